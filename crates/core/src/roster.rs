//! Roster CSV files, one certificate a row: the one reader behind `skillcert issue-batch` and
//! the demo issuer of `skillcert serve`.
//!
//! Columns (header row required, any order): `holder_name`, `program_name`,
//! `level_framework`, `level` (required); `holder_name_latin`, `national_id`, `program_code`,
//! `valid_years`, `email`, `id_type`, `work_type` (工种/职业方向), `photo` (a PNG or JPEG file,
//! relative to the roster's folder) (optional; the last four are not put on the certificate:
//! `email` is contact data, the others are printed only). Unknown columns
//! are refused; header names are trimmed and may follow a UTF-8 byte-order mark; cells are
//! trimmed, and an empty cell is an absent value. Every row has the same number of cells as
//! the header.
//!
//! Each row's key ([`row_key`]) is SHA-256 over its certificate-relevant cells (all but
//! `email`): equal rows have equal keys, whatever the column order.

use crate::model::ModelError;
use crate::request::{
    CheckedRequest, HolderRequest, IssuanceRequest, LevelRequest, PrintExtras, ProgramRequest,
};
use sha2::{Digest, Sha256};
use std::io::Read;

/// Longest cell accepted.
pub const MAX_CELL_CHARS: usize = 1000;

/// The columns a roster may have.
pub const COLUMNS: [&str; 12] = [
    "holder_name",
    "holder_name_latin",
    "national_id",
    "program_code",
    "program_name",
    "level_framework",
    "level",
    "valid_years",
    "email",
    "id_type",
    "work_type",
    "photo",
];

/// Columns that are not on the certificate (not part of the row key): contact and printing.
pub const NOT_CERTIFIED: [&str; 4] = ["email", "id_type", "work_type", "photo"];

/// The columns a roster must have (and that must not be empty in any row).
pub const REQUIRED: [&str; 4] = ["holder_name", "program_name", "level_framework", "level"];

/// A bad row, or a bad header (line 1): where and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowError {
    /// 1-based line in the file.
    pub line: u64,
    /// Column name, when one column is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// One row of a roster, read but not yet checked.
#[derive(Debug, Clone)]
pub struct RosterRow {
    /// 1-based line where the row starts.
    pub line: u64,
    /// The row's key ([`row_key`]).
    pub key: String,
    /// The issuance request the row asks for.
    pub request: IssuanceRequest,
    /// What the printed certificate carries besides the claims (`id_number` left empty: the
    /// issuer prints it from `national_id` in full or masked).
    pub print: PrintExtras,
}

impl RosterRow {
    /// Checks the row's request as an issuance would; a refused field is reported in the
    /// column it comes from.
    pub fn check(&self) -> Result<CheckedRequest, RowError> {
        self.request.check().map_err(|e| match e {
            ModelError::Field { field, reason } => {
                let col = column_of(&field);
                RowError {
                    line: self.line,
                    column: (!col.is_empty()).then(|| col.to_owned()),
                    message: reason,
                }
            }
        })
    }
}

/// The column a request field comes from (`""` for none).
pub fn column_of(field: &str) -> &'static str {
    match field {
        "holder.name" => "holder_name",
        "holder.name_latin" => "holder_name_latin",
        "holder.national_id" => "national_id",
        "program.name" => "program_name",
        "program.code" => "program_code",
        "level.framework" => "level_framework",
        "level.value" => "level",
        "valid_years" | "valid_until" => "valid_years",
        _ => "",
    }
}

/// The stable key of a row: SHA-256 (hex) over its certificate-relevant cells, given in
/// [`COLUMNS`] order.
pub fn row_key(cells: &[(&str, &str)]) -> String {
    let mut h = Sha256::new();
    h.update(b"skillcert-roster-row-v1");
    for (name, value) in cells {
        if NOT_CERTIFIED.contains(name) {
            continue;
        }
        h.update([0x1e]);
        h.update(name.as_bytes());
        h.update([0x1f]);
        h.update(value.trim().as_bytes());
    }
    hex::encode(h.finalize())
}

/// A roster being read: the header is checked when it is opened; iterating gives each row in
/// file order, or the reason it is bad (a bad row does not stop the rows after it).
pub struct Roster<R: Read> {
    header: Vec<String>,
    records: csv::StringRecordsIntoIter<R>,
}

impl<R: Read> std::fmt::Debug for Roster<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roster")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl<R: Read> Roster<R> {
    /// Reads and checks the header row (errors are on line 1).
    pub fn new(reader: R) -> Result<Roster<R>, RowError> {
        let line1 = |message: String| RowError {
            line: 1,
            column: None,
            message,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| line1(e.to_string()))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        for h in &header {
            if !COLUMNS.contains(&h.as_str()) {
                return Err(line1(format!(
                    "unknown column {h:?}; expected {}",
                    COLUMNS.join(",")
                )));
            }
        }
        for c in REQUIRED {
            if !header.iter().any(|h| h == c) {
                return Err(line1(format!("missing column {c}")));
            }
        }
        Ok(Roster {
            header,
            records: rdr.into_records(),
        })
    }

    /// The column names, in file order.
    pub fn header(&self) -> &[String] {
        &self.header
    }
}

impl<R: Read> Iterator for Roster<R> {
    type Item = Result<RosterRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rec = match self.records.next()? {
            Ok(r) => r,
            Err(e) => {
                return Some(Err(RowError {
                    line: e.position().map(|p| p.line()).unwrap_or(0),
                    column: None,
                    message: format!("unreadable CSV: {e}"),
                }))
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        Some(parse_row(line, &self.header, &rec))
    }
}

fn parse_row(line: u64, header: &[String], rec: &csv::StringRecord) -> Result<RosterRow, RowError> {
    let err = |column: Option<&str>, message: String| RowError {
        line,
        column: column.map(str::to_owned),
        message,
    };
    let mut cells: Vec<(&str, &str)> = Vec::new();
    for (name, value) in header.iter().zip(rec.iter()) {
        if value.chars().count() > MAX_CELL_CHARS {
            return Err(err(
                Some(name),
                format!("longer than {MAX_CELL_CHARS} characters"),
            ));
        }
        cells.push((name.as_str(), value));
    }
    cells.sort_by_key(|(n, _)| COLUMNS.iter().position(|c| c == n));
    let get = |c: &str| -> Option<String> {
        cells
            .iter()
            .find(|(n, _)| *n == c)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    for c in REQUIRED {
        if get(c).is_none() {
            return Err(err(Some(c), "empty; this column is required".into()));
        }
    }
    let valid_years = match get("valid_years") {
        None => None,
        Some(v) => Some(v.parse::<u32>().map_err(|_| {
            err(
                Some("valid_years"),
                format!("{v:?} is not a whole number of years"),
            )
        })?),
    };
    let request = IssuanceRequest {
        holder: HolderRequest {
            name: get("holder_name").unwrap_or_default(),
            name_latin: get("holder_name_latin"),
            national_id: get("national_id"),
            id_type: get("id_type"),
        },
        program: ProgramRequest {
            name: get("program_name").unwrap_or_default(),
            code: get("program_code"),
        },
        level: LevelRequest {
            framework: get("level_framework").unwrap_or_default(),
            value: get("level").unwrap_or_default(),
        },
        valid_from: None,
        valid_until: None,
        valid_years,
        id: None,
    };
    let print = PrintExtras {
        id_type: get("id_type"),
        id_number: None,
        work_type: get("work_type"),
        photo: get("photo"),
    }
    .checked()
    .map_err(|e| match e {
        ModelError::Field { field, reason } => err(Some(&field), reason),
    })?;
    Ok(RosterRow {
        line,
        key: row_key(&cells),
        request,
        print,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Result<Vec<Result<RosterRow, RowError>>, RowError> {
        Ok(Roster::new(text.as_bytes())?.collect())
    }

    #[test]
    fn header_errors_are_on_line_1() {
        let e = rows("holder_name,program\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(
            e.to_string()
                .starts_with("line 1: unknown column \"program\""),
            "{e}"
        );
        let e = rows("\u{feff}holder_name\n").unwrap_err();
        assert_eq!(e.to_string(), "line 1: missing column program_name");
    }

    #[test]
    fn rows_name_their_line_and_column_and_keys_ignore_order_and_email() {
        let text = "holder_name,program_name,level_framework,level,valid_years,email\n\
                    a,b,cn-nvq,3,x,\n\
                    a,b,cn-nvq,3,,a@example.cn\n\
                    a,b\n";
        let r = rows(text).unwrap();
        let e = r[0].as_ref().unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (2, Some("valid_years")));
        let row = r[1].as_ref().unwrap();
        assert_eq!(row.line, 3);
        assert!(r[2]
            .as_ref()
            .unwrap_err()
            .message
            .starts_with("unreadable CSV"));
        let other =
            "level,email,valid_years,level_framework,program_name,holder_name\n3,,,cn-nvq,b,a\n";
        let same = rows(other).unwrap().remove(0).unwrap();
        assert_eq!(same.key, row.key);
        let e = RosterRow {
            line: 7,
            key: String::new(),
            request: IssuanceRequest {
                level: LevelRequest {
                    framework: "cn-nvq".into(),
                    value: "99".into(),
                },
                ..row.request.clone()
            },
            print: PrintExtras::default(),
        }
        .check()
        .unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (7, Some("level")));
    }
}
