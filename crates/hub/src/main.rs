//! `schoolgate-hub`: the school's server for safeguarding reports (`docs/hub.md`).

fn main() -> std::process::ExitCode {
    schoolgate_hub::cli::main()
}
