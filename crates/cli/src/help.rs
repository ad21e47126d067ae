//! The examples and reference text at the end of each subcommand's `--help` (clap
//! `after_help`): every command shows how it is called, `verify` its exit codes, `issue-batch`
//! its roster columns.

pub(super) const HELP_INIT: &str = "\
Example:
  skillcert init --name \"Shaoxing Vocational Skills Assessment Center\" \\
      --base-url https://verify.skills.example.cn";

pub(super) const HELP_SETTINGS: &str = "\
Examples:
  skillcert settings                       # show the numbering and printing settings
  skillcert settings --id-number masked    # print ID numbers masked on certificates";

pub(super) const HELP_SHOW: &str = "\
Examples:
  skillcert show S000133060200262000001
  skillcert show urn:uuid:5b0c8f3e-0d7a-4c1e-9a57-2f1d1c6e8a10";

pub(super) const HELP_ISSUE: &str = "\
Example:
  skillcert issue --holder 王晓明 --holder-latin \"Wang Xiaoming\" \\
      --program \"数控铣工 CNC Milling Operator\" --framework cn-nvq --level 2 --out out/
  skillcert --json issue ... | jq -r .credential_id   # the new certificate's id, for later commands

--valid-years N ends at 23:59:59 China Standard Time on the same date N years on \
(docs/FORMAT.md, \"Dates people read\").";

pub(super) const HELP_VERIFY: &str = "\
Exit codes:
  0  every input is valid
  1  some input is not valid (revoked, suspended, expired, untrusted issuer, ...)
  2  some input could not be read, or the command line is wrong

Examples:
  skillcert verify out/*.credential.json out/*.jwt out/*.qr.png
  skillcert verify --trust trust.json --status status/1.json --status status/2.json --offline out/*.jwt
  skillcert --json verify out/*.jwt | jq -r .verdict";

pub(super) const HELP_TRUST: &str = "\
Example:
  skillcert trust export --out trust.json";

pub(super) const HELP_SERVE: &str = "\
Examples:
  skillcert serve                                  # http://127.0.0.1:8080 (a demo issuer on an empty data dir)
  skillcert serve --addr 0.0.0.0:8080 --base-url https://verify.skills.example.cn";

pub(super) const HELP_KEY: &str = "\
Example:
  skillcert key rotate       # earlier certificates stay valid";

pub(super) const HELP_ISSUE_BATCH: &str = "\
Roster columns (CSV, UTF-8, header row, any order):
  required: holder_name, program_name, level_framework, level
  optional: holder_name_latin, national_id, program_code, valid_years, email,
            id_type, work_type, photo (a PNG or JPEG file, relative to the roster)
A sample roster: testdata/reference/roster-sample.csv

Example:
  skillcert issue-batch testdata/reference/roster-sample.csv --out out/ --print-sheets 50";

pub(super) const HELP_REVOKE: &str = "\
Example:
  skillcert revoke \"$ID\" --reason \"fraudulent assessment\" --public-reason \"考核舞弊 assessment fraud\"
(--reason stays in the issuer's database; --public-reason is shown to whoever verifies the certificate)";

pub(super) const HELP_SUSPEND: &str = "\
Example:
  skillcert suspend \"$ID\" --reason \"complaint 2027-014\" --public-reason \"复核中 under review\"";

pub(super) const HELP_REINSTATE: &str = "\
Example:
  skillcert reinstate \"$ID\" --reason \"review closed\"";

pub(super) const HELP_HISTORY: &str = "\
Example:
  skillcert history \"$ID\"        # ID: urn:uuid:..., the bare UUID or the certificate number";

pub(super) const HELP_STATUS: &str = "\
Example:
  skillcert status export --out status/     # status/1.json (revocation), status/2.json (suspension)";
