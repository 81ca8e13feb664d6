//! Temporary: check files given on the command line.
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap();
        match countersign_stix::parse_bundle(&text) {
            Ok(b) => {
                println!(
                    "{path}: OK {} objects, {} warnings, tlp {:?}",
                    b.len(),
                    b.warnings().len(),
                    b.max_tlp()
                );
                for w in b.warnings() {
                    println!("  warning: {w}");
                }
                println!("  {:?}", b.summary());
            }
            Err(e) => println!("{path}: {e}"),
        }
    }
}
