//! Progress bars for long commands: on a terminal only (indicatif draws nothing when stderr is
//! not one), never under `--json`.

use super::common::Ctx;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `total` steps on stderr with rate and ETA; hidden under `--json`.
pub(crate) fn bar(cli: &Ctx, total: u64, what: &str) -> ProgressBar {
    let target = if cli.json {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    let style =
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}
