//! The properties of the STIX Cyber-observable Objects (§6) and of their
//! predefined extensions (§6.7.2-6.7.6, §6.12.2-6.12.5, §6.13.2-6.13.3,
//! §6.16.2), beyond the common ones.

use super::{Kind, Nested, Prop};
use crate::check::refs::Target;
use crate::check::vocab::*;

const fn types(t: &'static [&'static str]) -> Target {
    Target::Types(t)
}
const NONNEG: Kind = Kind::Int {
    min: 0,
    max: i64::MAX,
};
const ANY_INT: Kind = Kind::Int {
    min: i64::MIN,
    max: i64::MAX,
};
const PORT: Kind = Kind::Int {
    min: 0,
    max: 65_535,
};
const ARTIFACT: Target = Target::Types(&["artifact"]);
const USER_ACCOUNT: Target = Target::Types(&["user-account"]);

static ARTIFACT_PROPS: &[Prop] = &[
    ("mime_type", Kind::MediaType),
    ("payload_bin", Kind::Binary),
    ("url", Kind::Str),
    ("hashes", Kind::Hashes),
    ("encryption_algorithm", Kind::Vocab(&ENCRYPTION_ALGORITHM)),
    ("decryption_key", Kind::Str),
];
static AUTONOMOUS_SYSTEM: &[Prop] = &[("number", NONNEG), ("name", Kind::Str), ("rir", Kind::Str)];
static DIRECTORY: &[Prop] = &[
    ("path", Kind::Str),
    ("path_enc", Kind::Str),
    ("ctime", Kind::Timestamp),
    ("mtime", Kind::Timestamp),
    ("atime", Kind::Timestamp),
    ("contains_refs", Kind::Refs(types(&["file", "directory"]))),
];
static DOMAIN_NAME: &[Prop] = &[
    ("value", Kind::Str),
    (
        "resolves_to_refs",
        Kind::Refs(types(&["ipv4-addr", "ipv6-addr", "domain-name"])),
    ),
];
static EMAIL_ADDR: &[Prop] = &[
    ("value", Kind::Str),
    ("display_name", Kind::Str),
    ("belongs_to_ref", Kind::Ref(USER_ACCOUNT)),
];
static MIME_PART: Nested = Nested {
    name: "email MIME component (§6.6.2)",
    required: &[],
    props: &[
        ("body", Kind::Str),
        ("body_raw_ref", Kind::Ref(types(&["artifact", "file"]))),
        ("content_type", Kind::MediaType),
        ("content_disposition", Kind::Str),
    ],
};
const EMAIL: Target = Target::Types(&["email-addr"]);
static EMAIL_MESSAGE: &[Prop] = &[
    ("is_multipart", Kind::Bool),
    ("date", Kind::Timestamp),
    ("content_type", Kind::MediaType),
    ("from_ref", Kind::Ref(EMAIL)),
    ("sender_ref", Kind::Ref(EMAIL)),
    ("to_refs", Kind::Refs(EMAIL)),
    ("cc_refs", Kind::Refs(EMAIL)),
    ("bcc_refs", Kind::Refs(EMAIL)),
    ("message_id", Kind::Str),
    ("subject", Kind::Str),
    ("received_lines", Kind::StrList),
    ("additional_header_fields", Kind::HeaderFields),
    ("body", Kind::Str),
    ("body_multipart", Kind::List(&Kind::Object(&MIME_PART))),
    ("raw_email_ref", Kind::Ref(ARTIFACT)),
];
static FILE: &[Prop] = &[
    ("hashes", Kind::Hashes),
    ("size", NONNEG),
    ("name", Kind::Str),
    ("name_enc", Kind::Str),
    ("magic_number_hex", Kind::Hex),
    ("mime_type", Kind::MediaType),
    ("ctime", Kind::Timestamp),
    ("mtime", Kind::Timestamp),
    ("atime", Kind::Timestamp),
    ("parent_directory_ref", Kind::Ref(types(&["directory"]))),
    ("contains_refs", Kind::Refs(Target::Any)),
    ("content_ref", Kind::Ref(ARTIFACT)),
];
static IP_ADDR: &[Prop] = &[
    ("value", Kind::Str),
    ("resolves_to_refs", Kind::Refs(types(&["mac-addr"]))),
    ("belongs_to_refs", Kind::Refs(types(&["autonomous-system"]))),
];
static MAC_ADDR: &[Prop] = &[("value", Kind::Str)];
static MUTEX: &[Prop] = &[("name", Kind::Str)];
const ENDPOINT: Target = Target::Types(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);
const TRAFFIC: Target = Target::Types(&["network-traffic"]);
static NETWORK_TRAFFIC: &[Prop] = &[
    ("start", Kind::Timestamp),
    ("end", Kind::Timestamp),
    ("is_active", Kind::Bool),
    ("src_ref", Kind::Ref(ENDPOINT)),
    ("dst_ref", Kind::Ref(ENDPOINT)),
    ("src_port", PORT),
    ("dst_port", PORT),
    ("protocols", Kind::StrList),
    ("src_byte_count", NONNEG),
    ("dst_byte_count", NONNEG),
    ("src_packets", NONNEG),
    ("dst_packets", NONNEG),
    ("ipfix", Kind::Dict),
    ("src_payload_ref", Kind::Ref(ARTIFACT)),
    ("dst_payload_ref", Kind::Ref(ARTIFACT)),
    ("encapsulates_refs", Kind::Refs(TRAFFIC)),
    ("encapsulated_by_ref", Kind::Ref(TRAFFIC)),
];
const PROCESS_T: Target = Target::Types(&["process"]);
static PROCESS: &[Prop] = &[
    ("is_hidden", Kind::Bool),
    ("pid", ANY_INT),
    ("created_time", Kind::Timestamp),
    ("cwd", Kind::Str),
    ("command_line", Kind::Str),
    ("environment_variables", Kind::Dict),
    ("opened_connection_refs", Kind::Refs(TRAFFIC)),
    ("creator_user_ref", Kind::Ref(USER_ACCOUNT)),
    ("image_ref", Kind::Ref(types(&["file"]))),
    ("parent_ref", Kind::Ref(PROCESS_T)),
    ("child_refs", Kind::Refs(PROCESS_T)),
];
static SOFTWARE: &[Prop] = &[
    ("name", Kind::Str),
    ("cpe", Kind::Cpe),
    ("swid", Kind::Str),
    ("languages", Kind::List(&Kind::LanguageTag)),
    ("vendor", Kind::Str),
    ("version", Kind::Str),
];
static URL: &[Prop] = &[("value", Kind::Str)];
static USER_ACCOUNT_PROPS: &[Prop] = &[
    ("user_id", Kind::Str),
    ("credential", Kind::Str),
    ("account_login", Kind::Str),
    ("account_type", Kind::Vocab(&ACCOUNT_TYPE)),
    ("display_name", Kind::Str),
    ("is_service_account", Kind::Bool),
    ("is_privileged", Kind::Bool),
    ("can_escalate_privs", Kind::Bool),
    ("is_disabled", Kind::Bool),
    ("account_created", Kind::Timestamp),
    ("account_expires", Kind::Timestamp),
    ("credential_last_changed", Kind::Timestamp),
    ("account_first_login", Kind::Timestamp),
    ("account_last_login", Kind::Timestamp),
];
static REGISTRY_VALUE: Nested = Nested {
    name: "windows registry value (§6.17.2)",
    required: &[],
    props: &[
        ("name", Kind::Str),
        ("data", Kind::Str),
        ("data_type", Kind::Vocab(&WINDOWS_REGISTRY_DATATYPE)),
    ],
};
static WINDOWS_REGISTRY_KEY: &[Prop] = &[
    ("key", Kind::Str),
    ("values", Kind::List(&Kind::Object(&REGISTRY_VALUE))),
    ("modified_time", Kind::Timestamp),
    ("creator_user_ref", Kind::Ref(USER_ACCOUNT)),
    ("number_of_subkeys", NONNEG),
];
static X509_V3: Nested = Nested {
    name: "X.509 v3 extensions (§6.18.2)",
    required: &[],
    props: &[
        ("basic_constraints", Kind::Str),
        ("name_constraints", Kind::Str),
        ("policy_constraints", Kind::Str),
        ("key_usage", Kind::Str),
        ("extended_key_usage", Kind::Str),
        ("subject_key_identifier", Kind::Str),
        ("authority_key_identifier", Kind::Str),
        ("subject_alternative_name", Kind::Str),
        ("issuer_alternative_name", Kind::Str),
        ("subject_directory_attributes", Kind::Str),
        ("crl_distribution_points", Kind::Str),
        ("inhibit_any_policy", Kind::Str),
        ("private_key_usage_period_not_before", Kind::Timestamp),
        ("private_key_usage_period_not_after", Kind::Timestamp),
        ("certificate_policies", Kind::Str),
        ("policy_mappings", Kind::Str),
    ],
};
static X509_CERTIFICATE: &[Prop] = &[
    ("is_self_signed", Kind::Bool),
    ("hashes", Kind::Hashes),
    ("version", Kind::Str),
    ("serial_number", Kind::Str),
    ("signature_algorithm", Kind::Str),
    ("issuer", Kind::Str),
    ("validity_not_before", Kind::Timestamp),
    ("validity_not_after", Kind::Timestamp),
    ("subject", Kind::Str),
    ("subject_public_key_algorithm", Kind::Str),
    ("subject_public_key_modulus", Kind::Str),
    ("subject_public_key_exponent", NONNEG),
    ("x509_v3_extensions", Kind::Object(&X509_V3)),
];

pub(super) fn table_of(object_type: &str) -> Option<&'static [Prop]> {
    Some(match object_type {
        "artifact" => ARTIFACT_PROPS,
        "autonomous-system" => AUTONOMOUS_SYSTEM,
        "directory" => DIRECTORY,
        "domain-name" => DOMAIN_NAME,
        "email-addr" => EMAIL_ADDR,
        "email-message" => EMAIL_MESSAGE,
        "file" => FILE,
        "ipv4-addr" | "ipv6-addr" => IP_ADDR,
        "mac-addr" => MAC_ADDR,
        "mutex" => MUTEX,
        "network-traffic" => NETWORK_TRAFFIC,
        "process" => PROCESS,
        "software" => SOFTWARE,
        "url" => URL,
        "user-account" => USER_ACCOUNT_PROPS,
        "windows-registry-key" => WINDOWS_REGISTRY_KEY,
        "x509-certificate" => X509_CERTIFICATE,
        _ => return None,
    })
}

// Predefined extensions.

static ARCHIVE_EXT: Nested = Nested {
    name: "archive-ext (§6.7.2)",
    required: &["contains_refs"],
    props: &[
        ("contains_refs", Kind::Refs(types(&["file", "directory"]))),
        ("comment", Kind::Str),
    ],
};
static ALTERNATE_DATA_STREAM: Nested = Nested {
    name: "alternate data stream (§6.7.3.2)",
    required: &["name"],
    props: &[
        ("name", Kind::Str),
        ("hashes", Kind::Hashes),
        ("size", NONNEG),
    ],
};
static NTFS_EXT: Nested = Nested {
    name: "ntfs-ext (§6.7.3)",
    required: &[],
    props: &[
        ("sid", Kind::Str),
        (
            "alternate_data_streams",
            Kind::List(&Kind::Object(&ALTERNATE_DATA_STREAM)),
        ),
    ],
};
static PDF_EXT: Nested = Nested {
    name: "pdf-ext (§6.7.4)",
    required: &[],
    props: &[
        ("version", Kind::Str),
        ("is_optimized", Kind::Bool),
        ("document_info_dict", Kind::Dict),
        ("pdfid0", Kind::Str),
        ("pdfid1", Kind::Str),
    ],
};
static RASTER_IMAGE_EXT: Nested = Nested {
    name: "raster-image-ext (§6.7.5)",
    required: &[],
    props: &[
        ("image_height", NONNEG),
        ("image_width", NONNEG),
        ("bits_per_pixel", NONNEG),
        ("exif_tags", Kind::Dict),
    ],
};
static PE_OPTIONAL_HEADER: Nested = Nested {
    name: "windows PE optional header (§6.7.6.2)",
    required: &[],
    props: &[
        ("magic_hex", Kind::Hex),
        ("major_linker_version", NONNEG),
        ("minor_linker_version", NONNEG),
        ("size_of_code", NONNEG),
        ("size_of_initialized_data", NONNEG),
        ("size_of_uninitialized_data", NONNEG),
        ("address_of_entry_point", NONNEG),
        ("base_of_code", NONNEG),
        ("base_of_data", NONNEG),
        ("image_base", NONNEG),
        ("section_alignment", NONNEG),
        ("file_alignment", NONNEG),
        ("major_os_version", NONNEG),
        ("minor_os_version", NONNEG),
        ("major_image_version", NONNEG),
        ("minor_image_version", NONNEG),
        ("major_subsystem_version", NONNEG),
        ("minor_subsystem_version", NONNEG),
        ("win32_version_value_hex", Kind::Hex),
        ("size_of_image", NONNEG),
        ("size_of_headers", NONNEG),
        ("checksum_hex", Kind::Hex),
        ("subsystem_hex", Kind::Hex),
        ("dll_characteristics_hex", Kind::Hex),
        ("size_of_stack_reserve", NONNEG),
        ("size_of_stack_commit", NONNEG),
        ("size_of_heap_reserve", NONNEG),
        ("size_of_heap_commit", NONNEG),
        ("loader_flags_hex", Kind::Hex),
        ("number_of_rva_and_sizes", NONNEG),
        ("hashes", Kind::Hashes),
    ],
};
static PE_SECTION: Nested = Nested {
    name: "windows PE section (§6.7.6.3)",
    required: &["name"],
    props: &[
        ("name", Kind::Str),
        ("size", NONNEG),
        (
            "entropy",
            Kind::Float {
                min: f64::NEG_INFINITY,
                max: f64::INFINITY,
            },
        ),
        ("hashes", Kind::Hashes),
    ],
};
static WINDOWS_PEBINARY_EXT: Nested = Nested {
    name: "windows-pebinary-ext (§6.7.6)",
    required: &["pe_type"],
    props: &[
        ("pe_type", Kind::Vocab(&WINDOWS_PEBINARY_TYPE)),
        ("imphash", Kind::Str),
        ("machine_hex", Kind::Hex),
        ("number_of_sections", NONNEG),
        ("time_date_stamp", Kind::Timestamp),
        ("pointer_to_symbol_table_hex", Kind::Hex),
        ("number_of_symbols", NONNEG),
        ("size_of_optional_header", NONNEG),
        ("characteristics_hex", Kind::Hex),
        ("file_header_hashes", Kind::Hashes),
        ("optional_header", Kind::Object(&PE_OPTIONAL_HEADER)),
        ("sections", Kind::List(&Kind::Object(&PE_SECTION))),
    ],
};
static HTTP_REQUEST_EXT: Nested = Nested {
    name: "http-request-ext (§6.12.2)",
    required: &["request_method", "request_value"],
    props: &[
        ("request_method", Kind::Str),
        ("request_value", Kind::Str),
        ("request_version", Kind::Str),
        ("request_header", Kind::Dict),
        ("message_body_length", NONNEG),
        ("message_body_data_ref", Kind::Ref(ARTIFACT)),
    ],
};
static ICMP_EXT: Nested = Nested {
    name: "icmp-ext (§6.12.3)",
    required: &["icmp_type_hex", "icmp_code_hex"],
    props: &[("icmp_type_hex", Kind::Hex), ("icmp_code_hex", Kind::Hex)],
};
static SOCKET_EXT: Nested = Nested {
    name: "socket-ext (§6.12.4)",
    required: &["address_family"],
    props: &[
        (
            "address_family",
            Kind::Vocab(&NETWORK_SOCKET_ADDRESS_FAMILY),
        ),
        ("is_blocking", Kind::Bool),
        ("is_listening", Kind::Bool),
        ("options", Kind::Dict),
        ("socket_type", Kind::Vocab(&NETWORK_SOCKET_TYPE)),
        ("socket_descriptor", NONNEG),
        ("socket_handle", ANY_INT),
    ],
};
static TCP_EXT: Nested = Nested {
    name: "tcp-ext (§6.12.5)",
    required: &[],
    props: &[("src_flags_hex", Kind::Hex), ("dst_flags_hex", Kind::Hex)],
};
static WINDOWS_PROCESS_EXT: Nested = Nested {
    name: "windows-process-ext (§6.13.2)",
    required: &[],
    props: &[
        ("aslr_enabled", Kind::Bool),
        ("dep_enabled", Kind::Bool),
        ("priority", Kind::Str),
        ("owner_sid", Kind::Str),
        ("window_title", Kind::Str),
        ("startup_info", Kind::Dict),
        ("integrity_level", Kind::Vocab(&WINDOWS_INTEGRITY_LEVEL)),
    ],
};
static WINDOWS_SERVICE_EXT: Nested = Nested {
    name: "windows-service-ext (§6.13.3)",
    required: &[],
    props: &[
        ("service_name", Kind::Str),
        ("descriptions", Kind::StrList),
        ("display_name", Kind::Str),
        ("group_name", Kind::Str),
        ("start_type", Kind::Vocab(&WINDOWS_SERVICE_START_TYPE)),
        ("service_dll_refs", Kind::Refs(types(&["file"]))),
        ("service_type", Kind::Vocab(&WINDOWS_SERVICE_TYPE)),
        ("service_status", Kind::Vocab(&WINDOWS_SERVICE_STATUS)),
    ],
};
static UNIX_ACCOUNT_EXT: Nested = Nested {
    name: "unix-account-ext (§6.16.2)",
    required: &[],
    props: &[
        ("gid", ANY_INT),
        ("groups", Kind::StrList),
        ("home_dir", Kind::Str),
        ("shell", Kind::Str),
    ],
};

pub(super) fn extension_of(object_type: &str, name: &str) -> Option<&'static Nested> {
    Some(match (object_type, name) {
        ("file", "archive-ext") => &ARCHIVE_EXT,
        ("file", "ntfs-ext") => &NTFS_EXT,
        ("file", "pdf-ext") => &PDF_EXT,
        ("file", "raster-image-ext") => &RASTER_IMAGE_EXT,
        ("file", "windows-pebinary-ext") => &WINDOWS_PEBINARY_EXT,
        ("network-traffic", "http-request-ext") => &HTTP_REQUEST_EXT,
        ("network-traffic", "icmp-ext") => &ICMP_EXT,
        ("network-traffic", "socket-ext") => &SOCKET_EXT,
        ("network-traffic", "tcp-ext") => &TCP_EXT,
        ("process", "windows-process-ext") => &WINDOWS_PROCESS_EXT,
        ("process", "windows-service-ext") => &WINDOWS_SERVICE_EXT,
        ("user-account", "unix-account-ext") => &UNIX_ACCOUNT_EXT,
        _ => return None,
    })
}
