#![forbid(unsafe_code)]

fn main() {
    std::process::exit(skillcert::cli::main());
}
