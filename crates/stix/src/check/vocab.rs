//! The vocabularies of STIX 2.1 §10: open vocabularies (`-ov`, a value
//! outside them is a warning, as stix2-validator reports it) and the closed
//! enumerations (`-enum`, a value outside them is an error).
//!
//! Kept as plain sorted-by-spec lists: the property tables in `props` name
//! them, and the checker does a linear search (the longest list has 50
//! entries; a hash set would cost more to build than it saves).

/// Whether a vocabulary is open (suggested values) or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Openness {
    /// §10 "-ov": other values are allowed but draw a warning.
    Open,
    /// §10 "-enum": other values are errors.
    Closed,
}

/// One named vocabulary.
#[derive(Debug)]
pub(super) struct Vocab {
    /// The spec's name, e.g. `indicator-type-ov`.
    pub(super) name: &'static str,
    pub(super) openness: Openness,
    pub(super) values: &'static [&'static str],
}

impl Vocab {
    pub(super) fn contains(&self, v: &str) -> bool {
        self.values.contains(&v)
    }
}

const fn ov(name: &'static str, values: &'static [&'static str]) -> Vocab {
    Vocab {
        name,
        openness: Openness::Open,
        values,
    }
}

const fn closed(name: &'static str, values: &'static [&'static str]) -> Vocab {
    Vocab {
        name,
        openness: Openness::Closed,
        values,
    }
}

// §10.1
pub(super) static ACCOUNT_TYPE: Vocab = ov(
    "account-type-ov",
    &[
        "facebook",
        "ldap",
        "nis",
        "openid",
        "radius",
        "skype",
        "tacacs",
        "twitter",
        "unix",
        "windows-local",
        "windows-domain",
    ],
);
// §10.2
pub(super) static ATTACK_MOTIVATION: Vocab = ov(
    "attack-motivation-ov",
    &[
        "accidental",
        "coercion",
        "dominance",
        "ideology",
        "notoriety",
        "organizational-gain",
        "personal-gain",
        "personal-satisfaction",
        "revenge",
        "unpredictable",
    ],
);
// §10.3
pub(super) static ATTACK_RESOURCE_LEVEL: Vocab = ov(
    "attack-resource-level-ov",
    &[
        "individual",
        "club",
        "contest",
        "team",
        "organization",
        "government",
    ],
);
// §10.4
pub(super) static ENCRYPTION_ALGORITHM: Vocab = closed(
    "encryption-algorithm-enum",
    &["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"],
);
// §10.5
pub(super) static EXTENSION_TYPE: Vocab = closed(
    "extension-type-enum",
    &[
        "new-sdo",
        "new-sco",
        "new-sro",
        "property-extension",
        "toplevel-property-extension",
    ],
);
// §10.6
pub(super) static GROUPING_CONTEXT: Vocab = ov(
    "grouping-context-ov",
    &["suspicious-activity", "malware-analysis", "unspecified"],
);
// §10.7
pub(super) static HASHING_ALGORITHM: Vocab = ov(
    "hashing-algorithm-ov",
    &[
        "MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH",
    ],
);
// §10.8
pub(super) static IDENTITY_CLASS: Vocab = ov(
    "identity-class-ov",
    &[
        "individual",
        "group",
        "system",
        "organization",
        "class",
        "unknown",
    ],
);
// §10.9
pub(super) static IMPLEMENTATION_LANGUAGE: Vocab = ov(
    "implementation-language-ov",
    &[
        "applescript",
        "bash",
        "c",
        "c++",
        "c#",
        "go",
        "java",
        "javascript",
        "lua",
        "objective-c",
        "perl",
        "php",
        "powershell",
        "python",
        "ruby",
        "scala",
        "swift",
        "typescript",
        "visual-basic",
        "x86-32",
        "x86-64",
    ],
);
// §10.10
pub(super) static INDICATOR_TYPE: Vocab = ov(
    "indicator-type-ov",
    &[
        "anomalous-activity",
        "anonymization",
        "benign",
        "compromised",
        "malicious-activity",
        "attribution",
        "unknown",
    ],
);
// §10.11
pub(super) static INDUSTRY_SECTOR: Vocab = ov(
    "industry-sector-ov",
    &[
        "agriculture",
        "aerospace",
        "automotive",
        "chemical",
        "commercial",
        "communications",
        "construction",
        "defense",
        "education",
        "energy",
        "entertainment",
        "financial-services",
        "government",
        "government-emergency-services",
        "government-local",
        "government-national",
        "government-public-services",
        "government-regional",
        "healthcare",
        "hospitality-leisure",
        "infrastructure",
        "infrastructure-dams",
        "infrastructure-nuclear",
        "infrastructure-water",
        "insurance",
        "manufacturing",
        "mining",
        "non-profit",
        "pharmaceuticals",
        "retail",
        "technology",
        "telecommunications",
        "transportation",
        "utilities",
    ],
);
// §10.12
pub(super) static INFRASTRUCTURE_TYPE: Vocab = ov(
    "infrastructure-type-ov",
    &[
        "amplification",
        "anonymization",
        "botnet",
        "command-and-control",
        "control-system",
        "exfiltration",
        "firewall",
        "hosting-malware",
        "hosting-target-lists",
        "phishing",
        "reconnaissance",
        "routers-switches",
        "staging",
        "workstation",
        "unknown",
    ],
);
// §10.13
pub(super) static MALWARE_RESULT: Vocab = ov(
    "malware-result-ov",
    &["malicious", "suspicious", "benign", "unknown"],
);
// §10.14
pub(super) static MALWARE_CAPABILITIES: Vocab = ov(
    "malware-capabilities-ov",
    &[
        "accesses-remote-machines",
        "anti-debugging",
        "anti-disassembly",
        "anti-emulation",
        "anti-memory-forensics",
        "anti-sandbox",
        "anti-vm",
        "captures-input-peripherals",
        "captures-output-peripherals",
        "captures-system-state-data",
        "cleans-traces-of-infection",
        "commits-fraud",
        "communicates-with-c2",
        "compromises-data-availability",
        "compromises-data-integrity",
        "compromises-system-availability",
        "controls-local-machine",
        "degrades-security-software",
        "degrades-system-updates",
        "determines-c2-server",
        "emails-spam",
        "escalates-privileges",
        "evades-av",
        "exfiltrates-data",
        "fingerprints-host",
        "hides-artifacts",
        "hides-executing-code",
        "infects-files",
        "infects-remote-machines",
        "installs-other-components",
        "persists-after-system-reboot",
        "prevents-artifact-access",
        "prevents-artifact-deletion",
        "probes-network-environment",
        "self-modifies",
        "steals-authentication-credentials",
        "violates-system-operational-integrity",
    ],
);
// §10.15
pub(super) static MALWARE_TYPE: Vocab = ov(
    "malware-type-ov",
    &[
        "adware",
        "backdoor",
        "bot",
        "bootkit",
        "ddos",
        "downloader",
        "dropper",
        "exploit-kit",
        "keylogger",
        "ransomware",
        "remote-access-trojan",
        "resource-exploitation",
        "rogue-security-software",
        "rootkit",
        "screen-capture",
        "spyware",
        "trojan",
        "unknown",
        "virus",
        "webshell",
        "wiper",
        "worm",
    ],
);
// §10.16
pub(super) static NETWORK_SOCKET_ADDRESS_FAMILY: Vocab = closed(
    "network-socket-address-family-enum",
    &[
        "AF_UNSPEC",
        "AF_INET",
        "AF_IPX",
        "AF_APPLETALK",
        "AF_NETBIOS",
        "AF_INET6",
        "AF_IRDA",
        "AF_BTH",
    ],
);
// §10.17
pub(super) static NETWORK_SOCKET_TYPE: Vocab = closed(
    "network-socket-type-enum",
    &[
        "SOCK_STREAM",
        "SOCK_DGRAM",
        "SOCK_RAW",
        "SOCK_RDM",
        "SOCK_SEQPACKET",
    ],
);
// §10.18
pub(super) static OPINION: Vocab = closed(
    "opinion-enum",
    &[
        "strongly-disagree",
        "disagree",
        "neutral",
        "agree",
        "strongly-agree",
    ],
);
// §10.19
pub(super) static PATTERN_TYPE: Vocab = ov(
    "pattern-type-ov",
    &["stix", "pcre", "sigma", "snort", "suricata", "yara"],
);
// §10.20
pub(super) static PROCESSOR_ARCHITECTURE: Vocab = ov(
    "processor-architecture-ov",
    &[
        "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64",
    ],
);
// §10.21
pub(super) static REGION: Vocab = ov(
    "region-ov",
    &[
        "africa",
        "eastern-africa",
        "middle-africa",
        "northern-africa",
        "southern-africa",
        "western-africa",
        "americas",
        "latin-america-caribbean",
        "south-america",
        "caribbean",
        "central-america",
        "northern-america",
        "asia",
        "central-asia",
        "eastern-asia",
        "southern-asia",
        "south-eastern-asia",
        "western-asia",
        "europe",
        "eastern-europe",
        "northern-europe",
        "southern-europe",
        "western-europe",
        "oceania",
        "antarctica",
        "australia-new-zealand",
        "melanesia",
        "micronesia",
        "polynesia",
    ],
);
// §10.22
pub(super) static REPORT_TYPE: Vocab = ov(
    "report-type-ov",
    &[
        "attack-pattern",
        "campaign",
        "identity",
        "indicator",
        "intrusion-set",
        "malware",
        "observed-data",
        "threat-actor",
        "threat-report",
        "tool",
        "vulnerability",
    ],
);
// §10.23
pub(super) static THREAT_ACTOR_TYPE: Vocab = ov(
    "threat-actor-type-ov",
    &[
        "activist",
        "competitor",
        "crime-syndicate",
        "criminal",
        "hacker",
        "insider-accidental",
        "insider-disgruntled",
        "nation-state",
        "sensationalist",
        "spy",
        "terrorist",
        "unknown",
    ],
);
// §10.24
pub(super) static THREAT_ACTOR_ROLE: Vocab = ov(
    "threat-actor-role-ov",
    &[
        "agent",
        "director",
        "independent",
        "infrastructure-architect",
        "infrastructure-operator",
        "malware-author",
        "sponsor",
    ],
);
// §10.25
pub(super) static THREAT_ACTOR_SOPHISTICATION: Vocab = ov(
    "threat-actor-sophistication-ov",
    &[
        "none",
        "minimal",
        "intermediate",
        "advanced",
        "expert",
        "innovator",
        "strategic",
    ],
);
// §10.26
pub(super) static TOOL_TYPE: Vocab = ov(
    "tool-type-ov",
    &[
        "denial-of-service",
        "exploitation",
        "information-gathering",
        "network-capture",
        "credential-exploitation",
        "remote-access",
        "vulnerability-scanning",
        "unknown",
    ],
);
// §10.27
pub(super) static WINDOWS_INTEGRITY_LEVEL: Vocab = closed(
    "windows-integrity-level-enum",
    &["low", "medium", "high", "system"],
);
// §10.28
pub(super) static WINDOWS_PEBINARY_TYPE: Vocab =
    ov("windows-pebinary-type-ov", &["dll", "exe", "sys"]);
// §10.29
pub(super) static WINDOWS_REGISTRY_DATATYPE: Vocab = closed(
    "windows-registry-datatype-enum",
    &[
        "REG_NONE",
        "REG_SZ",
        "REG_EXPAND_SZ",
        "REG_BINARY",
        "REG_DWORD",
        "REG_DWORD_BIG_ENDIAN",
        "REG_DWORD_LITTLE_ENDIAN",
        "REG_LINK",
        "REG_MULTI_SZ",
        "REG_RESOURCE_LIST",
        "REG_FULL_RESOURCE_DESCRIPTION",
        "REG_RESOURCE_REQUIREMENTS_LIST",
        "REG_QWORD",
        "REG_INVALID_TYPE",
    ],
);
// §10.30
pub(super) static WINDOWS_SERVICE_START_TYPE: Vocab = closed(
    "windows-service-start-type-enum",
    &[
        "SERVICE_AUTO_START",
        "SERVICE_BOOT_START",
        "SERVICE_DEMAND_START",
        "SERVICE_DISABLED",
        "SERVICE_SYSTEM_ALERT",
    ],
);
// §10.31
pub(super) static WINDOWS_SERVICE_TYPE: Vocab = closed(
    "windows-service-type-enum",
    &[
        "SERVICE_KERNEL_DRIVER",
        "SERVICE_FILE_SYSTEM_DRIVER",
        "SERVICE_WIN32_OWN_PROCESS",
        "SERVICE_WIN32_SHARE_PROCESS",
    ],
);
// §10.32
pub(super) static WINDOWS_SERVICE_STATUS: Vocab = closed(
    "windows-service-status-enum",
    &[
        "SERVICE_CONTINUE_PENDING",
        "SERVICE_PAUSE_PENDING",
        "SERVICE_PAUSED",
        "SERVICE_RUNNING",
        "SERVICE_START_PENDING",
        "SERVICE_STOP_PENDING",
        "SERVICE_STOPPED",
    ],
);
