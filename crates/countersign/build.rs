//! Compiles the CPU check (src/cpu_check.c) for x86-64 targets, telling it
//! which instruction-set extensions this build's Rust code may use.

fn main() {
    println!("cargo::rerun-if-changed=src/cpu_check.c");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("x86_64") {
        return;
    }
    let enabled = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let mut build = cc::Build::new();
    for feature in ["avx", "avx2", "bmi1", "bmi2", "fma"] {
        let needed = enabled.split(',').any(|f| f == feature);
        build.define(
            &format!("NEED_{}", feature.to_uppercase()),
            if needed { "1" } else { "0" },
        );
    }
    // The check itself must run anywhere, whatever the C compiler defaults to.
    build.flag("-march=x86-64");
    // Nothing refers to the check, so without this the linker would drop it.
    build.link_lib_modifier("+whole-archive");
    build
        .file("src/cpu_check.c")
        .compile("countersign_cpu_check");
}
