//! The README's main command. The client is coming; until then this says so.

fn main() {
    println!(
        "cos-client tour: coming (the client is not built yet; run `cargo xtask ci` for the checks)"
    );
}
