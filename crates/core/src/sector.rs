//! Sectors: the 16 US critical-infrastructure sectors (PPD-21, CISA) and
//! the sectors of NIS2 (Directive (EU) 2022/2555) Annexes I and II.
//!
//! Both lists are used by the authorities countersign serves, so both are
//! kept as they are, with a prefix saying which list a value comes from
//! (`us:energy`, `nis2:energy`). [`Sector::family`] maps both onto a few
//! families, which is what protected-sector rules are written against.

use crate::vocab::vocabulary;

vocabulary! {
    /// A sector from the US or the NIS2 list.
    pub enum Sector ("sector") {
        UsChemical => "us:chemical",
        UsCommercialFacilities => "us:commercial-facilities",
        UsCommunications => "us:communications",
        UsCriticalManufacturing => "us:critical-manufacturing",
        UsDams => "us:dams",
        UsDefenseIndustrialBase => "us:defense-industrial-base",
        UsEmergencyServices => "us:emergency-services",
        UsEnergy => "us:energy",
        UsFinancialServices => "us:financial-services",
        UsFoodAndAgriculture => "us:food-and-agriculture",
        UsGovernmentFacilities => "us:government-facilities",
        UsHealthcareAndPublicHealth => "us:healthcare-and-public-health",
        UsInformationTechnology => "us:information-technology",
        UsNuclear => "us:nuclear-reactors-materials-and-waste",
        UsTransportationSystems => "us:transportation-systems",
        UsWaterAndWastewater => "us:water-and-wastewater-systems",
        // NIS2 Annex I: sectors of high criticality.
        Nis2Energy => "nis2:energy",
        Nis2Transport => "nis2:transport",
        Nis2Banking => "nis2:banking",
        Nis2FinancialMarketInfrastructure => "nis2:financial-market-infrastructure",
        Nis2Health => "nis2:health",
        Nis2DrinkingWater => "nis2:drinking-water",
        Nis2WasteWater => "nis2:waste-water",
        Nis2DigitalInfrastructure => "nis2:digital-infrastructure",
        Nis2IctServiceManagement => "nis2:ict-service-management",
        Nis2PublicAdministration => "nis2:public-administration",
        Nis2Space => "nis2:space",
        // NIS2 Annex II: other critical sectors.
        Nis2PostalAndCourier => "nis2:postal-and-courier-services",
        Nis2WasteManagement => "nis2:waste-management",
        Nis2Chemicals => "nis2:chemicals",
        Nis2Food => "nis2:food",
        Nis2Manufacturing => "nis2:manufacturing",
        Nis2DigitalProviders => "nis2:digital-providers",
        Nis2Research => "nis2:research",
    }
}

vocabulary! {
    /// A coarse grouping of sectors across both lists.
    pub enum SectorFamily ("sector family") {
        Energy => "energy",
        Water => "water",
        Health => "health",
        Finance => "finance",
        Transport => "transport",
        Government => "government",
        Communications => "communications",
        Digital => "digital",
        Industry => "industry",
        Food => "food",
        Emergency => "emergency",
        Defence => "defence",
        Other => "other",
    }
}

impl Sector {
    pub fn family(self) -> SectorFamily {
        use Sector::*;
        use SectorFamily as F;
        match self {
            UsEnergy | UsNuclear | UsDams | Nis2Energy => F::Energy,
            UsWaterAndWastewater | Nis2DrinkingWater | Nis2WasteWater => F::Water,
            UsHealthcareAndPublicHealth | Nis2Health => F::Health,
            UsFinancialServices | Nis2Banking | Nis2FinancialMarketInfrastructure => F::Finance,
            UsTransportationSystems | Nis2Transport | Nis2PostalAndCourier => F::Transport,
            UsGovernmentFacilities | Nis2PublicAdministration => F::Government,
            UsCommunications => F::Communications,
            UsInformationTechnology
            | Nis2DigitalInfrastructure
            | Nis2IctServiceManagement
            | Nis2DigitalProviders
            | Nis2Space => F::Digital,
            UsChemical | UsCriticalManufacturing | Nis2Chemicals | Nis2Manufacturing => F::Industry,
            UsFoodAndAgriculture | Nis2Food => F::Food,
            UsEmergencyServices => F::Emergency,
            UsDefenseIndustrialBase => F::Defence,
            UsCommercialFacilities | Nis2WasteManagement | Nis2Research => F::Other,
        }
    }

    /// The list this sector comes from and its human name.
    pub fn describe(self) -> String {
        let (list, name) = self.as_str().split_once(':').unwrap_or(("", self.as_str()));
        let list = if list == "us" { "US CI" } else { "NIS2" };
        format!("{} ({list})", name.replace('-', " "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_sizes_match_the_sources() {
        let us = Sector::ALL
            .iter()
            .filter(|s| s.as_str().starts_with("us:"))
            .count();
        let nis2 = Sector::ALL
            .iter()
            .filter(|s| s.as_str().starts_with("nis2:"))
            .count();
        assert_eq!(us, 16, "PPD-21 names 16 sectors");
        assert_eq!(nis2, 18, "NIS2: 11 in Annex I, 7 in Annex II");
    }

    #[test]
    fn parse_is_case_insensitive_but_serde_is_exact() {
        assert_eq!(Sector::parse("NIS2:Energy").unwrap(), Sector::Nis2Energy);
        assert!(serde_json::from_str::<Sector>("\"NIS2:Energy\"").is_err());
        let err = Sector::parse("energy").unwrap_err();
        assert!(err.message.contains("nis2:energy"), "{}", err.message);
    }
}
