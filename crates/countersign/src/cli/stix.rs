//! `countersign stix validate FILE [--json]`: checks a STIX 2.1 bundle with
//! the full checker of `countersign-stix` and lists every problem at once.
//!
//! Works offline, without a data directory, so that anyone can check a file
//! before sending it, and so that bench/validate.sh can time the checker
//! against stix2-validator on the same file. Exit codes are the binary's
//! own (`cli::exit`): 0 valid (warnings allowed), 3 invalid (the problems
//! are listed; a file that is not JSON is invalid too), 4 no such file,
//! 1 any other read error.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use countersign_stix::{CheckOptions, Problem, check_bundle_owned};
use serde_json::{Value, json};

use super::exit;

#[derive(Subcommand, Debug)]
pub enum StixCommand {
    /// Check a STIX 2.1 bundle: exit 0 valid, 3 invalid, 4 no such file.
    Validate(ValidateArgs),
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The bundle (a JSON file); `-` reads standard input.
    pub file: PathBuf,
    /// Print the result as JSON: {valid, objects, errors, warnings}.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cmd: StixCommand) -> anyhow::Result<()> {
    match cmd {
        StixCommand::Validate(args) => {
            let code = validate(&args)?;
            if code != 0 {
                // The report is written; leave with the validator's code
                // rather than through the error path (which would print
                // an "error:" line and use the node's exit codes).
                std::io::stdout().flush()?;
                std::process::exit(code);
            }
            Ok(())
        }
    }
}

/// Reads, checks and reports; returns the exit code.
fn validate(args: &ValidateArgs) -> anyhow::Result<i32> {
    let name = args.file.display().to_string();
    let bytes = if name == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map(|_| buf)
    } else {
        std::fs::read(&args.file)
    };
    let value: Value = match bytes
        .map_err(|e| {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                exit::NOT_FOUND
            } else {
                exit::INTERNAL
            };
            (code, format!("cannot read {name}: {e}"))
        })
        .and_then(|b| {
            serde_json::from_slice(&b)
                .map_err(|e| (exit::INVALID, format!("{name} is not JSON: {e}")))
        }) {
        Ok(v) => v,
        Err((code, msg)) => {
            if args.json {
                println!("{}", json!({"valid": false, "unreadable": msg}));
            } else {
                eprintln!("error: {msg}");
            }
            return Ok(i32::from(code));
        }
    };
    let objects = value
        .get("objects")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let result = check_bundle_owned(value, &CheckOptions::default());
    let (errors, warnings): (&[Problem], &[Problem]) = match &result {
        Ok(bundle) => (&[], bundle.warnings()),
        Err(e) => (&e.errors, &e.warnings),
    };
    let valid = errors.is_empty();
    let mut out = std::io::stdout().lock();
    if args.json {
        let report = json!({
            "valid": valid,
            "objects": objects,
            "errors": errors,
            "warnings": warnings,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print_problems(&mut out, "error", errors)?;
        print_problems(&mut out, "warning", warnings)?;
        if valid {
            writeln!(
                out,
                "{name}: valid STIX 2.1, {objects} objects, {}",
                count(warnings.len(), "warning")
            )?;
        } else {
            writeln!(
                out,
                "{name}: invalid STIX 2.1, {}, {}",
                count(errors.len(), "error"),
                count(warnings.len(), "warning")
            )?;
        }
    }
    drop(out);
    // The process ends now: leave the bundle (10,000 objects take a fifth
    // of the run to free piece by piece) to the operating system.
    std::mem::forget(result);
    Ok(if valid { 0 } else { i32::from(exit::INVALID) })
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn print_problems(
    out: &mut impl std::io::Write,
    label: &str,
    problems: &[Problem],
) -> std::io::Result<()> {
    for p in problems {
        writeln!(out, "{label}: {p}")?;
    }
    Ok(())
}
