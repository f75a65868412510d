//! Project automation, run as `cargo xtask <command>`.
//!
//! - `ci`: every check CI runs (format, clippy, tests, rustdoc, cargo-deny), installing
//!   what a new machine lacks and saying so.
//! - `fuzz [TARGET] [SECONDS]`: runs a cargo-fuzz target on the stable toolchain.
//! - `bench`: runs every criterion benchmark of the workspace.
//! - `venv`: creates the Python virtualenv with the official COS SDK and prints its path.
//! - `interop`: builds the `cos-emulator` binary, starts it on a free port and runs
//!   `tests/interop/official_sdk.py` (the official Python SDK) against it.

use std::env;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

/// Version of the official Python SDK the vectors and the oracle were made with.
const PYTHON_SDK: &str = "cos-python-sdk-v5==1.9.44";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("venv") => venv().map(|python| println!("{}", python.display())),
        Some("interop") => interop(true),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | fuzz [TARGET] [SECONDS] | bench [ARGS] | venv | interop>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

fn run(step: &str, command: &mut Command) -> Result {
    println!("\n==> {step}");
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("{step}: cannot start {command:?}: {e}"))?;
    println!(
        "<== {step}: {status} in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn has_cargo_subcommand(name: &str) -> bool {
    cargo()
        .args([name, "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn ensure_cargo_tool(subcommand: &str, krate: &str) -> Result {
    if has_cargo_subcommand(subcommand) {
        return Ok(());
    }
    println!(
        "{krate} is not installed on this machine: installing it with `cargo install {krate} --locked` (takes a few minutes)"
    );
    run(
        &format!("install {krate}"),
        cargo().args(["install", krate, "--locked"]),
    )
}

/// Creates (once) `.venv` with the official Python SDK; returns its interpreter.
fn venv() -> Result<PathBuf> {
    let root = workspace_root();
    let dir = root.join(".venv");
    let python = dir.join("bin").join("python");
    let marker = dir.join(".cos-sdk-installed");
    if marker.exists() && python.exists() {
        return Ok(python);
    }
    println!(
        "The Python virtualenv with the official COS SDK ({PYTHON_SDK}) is missing: creating it in .venv"
    );
    run(
        "create .venv",
        Command::new("python3").args(["-m", "venv"]).arg(&dir),
    )?;
    run(
        &format!("pip install {PYTHON_SDK}"),
        Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            PYTHON_SDK,
        ]),
    )?;
    std::fs::write(&marker, PYTHON_SDK)
        .map_err(|e| format!("writing {}: {e}", marker.display()))?;
    Ok(python)
}

fn ci() -> Result {
    let started = Instant::now();
    let root = workspace_root();
    run(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    run(
        "cargo clippy (all targets, warnings denied)",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    let python = venv()?;
    let mut tests = cargo();
    tests
        .args(["test", "--workspace", "--locked"])
        // The differential and interop tests must run in CI, not skip.
        .env("COS_REQUIRE_PYTHON_SDK", "1")
        .env("COS_PYTHON", &python)
        .env("COS_SIGN_ORACLE_PYTHON", &python)
        .env(
            "COS_SIGN_ORACLE_SCRIPT",
            root.join("tests").join("oracle").join("cos_sign_oracle.py"),
        );
    run(
        "cargo test (every crate, unit, integration and doc tests)",
        &mut tests,
    )?;
    // The test run has just built the emulator binary.
    interop(false)?;
    run(
        "cargo doc (warnings denied)",
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--locked"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    deny()?;
    println!(
        "\nxtask ci: all checks passed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn deny() -> Result {
    ensure_cargo_tool("deny", "cargo-deny")?;
    run(
        "cargo deny check licenses bans sources",
        cargo().args(["deny", "--offline", "check", "licenses", "bans", "sources"]),
    )?;
    match advisory_db() {
        Some(db) => run(
            &format!("cargo deny check advisories (database at {})", db.display()),
            cargo().args(["deny", "--offline", "check", "advisories"]),
        ),
        None => {
            println!(
                "\n==> cargo deny check advisories: SKIPPED. The RustSec advisory database is not on this \
                 machine (looked in $CARGO_HOME/advisory-dbs) and this network cannot fetch it; licenses, \
                 bans and sources were checked."
            );
            Ok(())
        }
    }
}

/// The RustSec database cargo-deny would use, when one is present on disk.
fn advisory_db() -> Option<PathBuf> {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let dbs = cargo_home.join("advisory-dbs");
    std::fs::read_dir(&dbs)
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.join("crates").is_dir())
}

fn fuzz(args: &[String]) -> Result {
    let target = args.first().map(String::as_str).unwrap_or("parse_error");
    let seconds = args.get(1).map(String::as_str).unwrap_or("60");
    ensure_cargo_tool("fuzz", "cargo-fuzz")?;
    // A run without RUSTC_BOOTSTRAP caches a failed probe that breaks later runs.
    let _ = std::fs::remove_file(workspace_root().join("fuzz/target/.rustc_info.json"));
    run(
        &format!("cargo fuzz run {target} for {seconds}s (stable toolchain via RUSTC_BOOTSTRAP=1)"),
        cargo()
            .current_dir(workspace_root().join("fuzz"))
            .env("RUSTC_BOOTSTRAP", "1")
            .args([
                "fuzz",
                "run",
                target,
                "--",
                &format!("-max_total_time={seconds}"),
            ]),
    )
}

fn bench(args: &[String]) -> Result {
    run(
        "cargo bench (every criterion benchmark)",
        cargo().args(["bench", "--workspace"]).args(args),
    )
}

/// Where cargo puts build outputs: `$CARGO_TARGET_DIR` or `<workspace>/target`.
fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// Runs the official Python SDK against the emulator binary (built first when `build`).
fn interop(build: bool) -> Result {
    let python = venv()?;
    let binary = target_dir()
        .join("debug")
        .join(format!("cos-emulator{}", env::consts::EXE_SUFFIX));
    if build || !binary.exists() {
        run(
            "build the cos-emulator binary",
            cargo().args([
                "build",
                "-p",
                "cos-emulator",
                "--bin",
                "cos-emulator",
                "--locked",
            ]),
        )?;
    }
    let (secret_id, secret_key) = ("AKIDinteropCheck", "interop-secret-key");
    println!(
        "\n==> interop: official Python SDK against {}",
        binary.display()
    );
    let mut emulator = Command::new(&binary)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--secret-id",
            secret_id,
            "--secret-key",
            secret_key,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary.display()))?;
    let result = first_line(&mut emulator).and_then(|endpoint| {
        run(
            &format!("official SDK script against {endpoint}"),
            Command::new(&python)
                .arg(
                    workspace_root()
                        .join("tests")
                        .join("interop")
                        .join("official_sdk.py"),
                )
                .args([&endpoint, secret_id, secret_key]),
        )
    });
    // Stopped whatever happened; a kill is enough for an in-memory emulator.
    let _ = emulator.kill();
    let _ = emulator.wait();
    result
}

/// The emulator prints its address as its first line.
fn first_line(child: &mut Child) -> Result<String> {
    let stdout = child.stdout.take().ok_or("the emulator has no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading the emulator's address: {e}"))?;
    let endpoint = line.trim().to_owned();
    if !endpoint.starts_with("http://") {
        return Err(format!(
            "the emulator printed {endpoint:?} instead of its address"
        ));
    }
    Ok(endpoint)
}
