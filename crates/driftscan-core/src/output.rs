//! Durable output: every file driftscan writes (reports, baselines, snapshots) goes to a
//! temporary file in the same directory, is flushed to disk, then renamed over the
//! target, so a reader (or an interrupted run) sees the old file or the new one, never half.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    file.commit()
}

/// A file written piece by piece (a report streamed account by account) that appears
/// whole at [`AtomicFile::commit`], or not at all if dropped before.
pub struct AtomicFile {
    path: std::path::PathBuf,
    target: Target,
}

enum Target {
    /// A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO) is written to, never
    /// replaced: renaming over /dev/null as root would turn it into a regular file.
    Device(std::io::BufWriter<std::fs::File>),
    Temporary(std::io::BufWriter<tempfile::NamedTempFile>),
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let out = std::fs::OpenOptions::new().write(true).open(path).map_err(|e| Error::io(path, e))?;
            return Ok(AtomicFile { path: path.to_path_buf(), target: Target::Device(std::io::BufWriter::new(out)) });
        }
        let dir = parent_dir(path);
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let tmp = tempfile::Builder::new().prefix(".driftscan-").tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
        Ok(AtomicFile { path: path.to_path_buf(), target: Target::Temporary(std::io::BufWriter::new(tmp)) })
    }

    /// Flushes the file to disk and puts it in place.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        match self.target {
            Target::Device(mut out) => out.flush().map_err(|e| Error::io(&path, e)),
            Target::Temporary(out) => {
                let tmp = out.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
                // A replaced file keeps its mode (a report someone made group-readable stays
                // so); a new one keeps the temporary file's owner-only mode, right for facts
                // about an account.
                if let Ok(previous) = std::fs::metadata(&path) {
                    tmp.as_file().set_permissions(previous.permissions()).map_err(|e| Error::io(&path, e))?;
                }
                tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
                tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
                sync_dir(parent_dir(&path));
                Ok(())
            }
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.target {
            Target::Device(out) => out.write(buf),
            Target::Temporary(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.target {
            Target::Device(out) => out.flush(),
            Target::Temporary(out) => out.flush(),
        }
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes the rename itself durable. Best effort: some filesystems refuse to sync a
/// directory, and by then the new file is complete and in place either way.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `rows` under `header` as CSV text, for the table `table` (named in its error).
pub fn csv_table<R, F>(table: &str, header: &[&str], rows: R) -> Result<String>
where
    R: IntoIterator<Item = F>,
    F: IntoIterator,
    F::Item: AsRef<[u8]>,
{
    let fail = |source: csv::Error| Error::Csv { table: table.to_string(), source };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(row).map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(|e| fail(e.into_error().into()))?;
    // Every field came in as text: the table is text.
    String::from_utf8(bytes).map_err(|e| fail(std::io::Error::new(std::io::ErrorKind::InvalidData, e).into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        std::fs::write(&target, "old").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode_and_a_new_one_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("report.html");
        std::fs::write(&existing, "old").unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&existing, b"new").unwrap();
        assert_eq!(std::fs::metadata(&existing).unwrap().permissions().mode() & 0o777, 0o640);
        let fresh = dir.path().join("snapshot.json");
        write_atomic(&fresh, b"{}").unwrap();
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        std::fs::write(&target, "old").unwrap();
        // A directory in the way makes the rename fail after the temp file was written.
        let blocked = dir.path().join("sub");
        std::fs::create_dir_all(blocked.join("x")).unwrap();
        assert!(write_atomic(&blocked, b"new").is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_or_pipe_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), b"discarded").unwrap();
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device(), "/dev/null replaced");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let reader = std::thread::spawn({
            let fifo = fifo.clone();
            move || std::fs::read_to_string(fifo).unwrap()
        });
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }
}
