//! The batch's results written to a file on the disk without a copy in the page cache.
//!
//! `jifen score --batch` with full results writes about 6.5 KB a profile: rescoring two
//! million people is 13 GB. Written the ordinary way, every byte is first copied into the
//! kernel's page cache, and on 2 cores that copy (measured: about half the CPU of the whole
//! run) costs more than the scoring. Opened with `O_DIRECT`, the file takes its blocks
//! straight from this program's buffer, and the page cache is not filled with gigabytes
//! nobody reads back soon (the way `dd oflag=direct` writes).
//!
//! This is done only for a regular file whose position is a multiple of [`ALIGN`]: a pipe,
//! a terminal, `/dev/null`, or a file system that refuses `O_DIRECT` is written as before.
//! The file's own open description (shared with whoever opened it, usually the shell) is
//! never changed: the file is opened a second time through `/proc/self/fd`, whole blocks are
//! written there at explicit positions, and at the end the shared position is moved past
//! them and the last partial block is written through it the ordinary way. If the process
//! stops half-way, the shared position has not moved.

use rustix::fs::{FileType, OFlags, SeekFrom};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::sync::{Arc, Mutex, mpsc};

/// What `O_DIRECT` needs of a write's memory, length and position on the usual disks.
const ALIGN: usize = 4096;

/// Bytes gathered before a write (a multiple of [`ALIGN`]): a few chunks' results, so that
/// the disk is given large writes.
const BUFFER: usize = 8 << 20;

/// Blocks being written at once, each by a thread of its own: the disk takes two writes at
/// a time faster than one after the other.
const IN_FLIGHT: usize = 2;

/// A file written in whole blocks with `O_DIRECT`; see the module's documentation. Full
/// buffers are written to the disk by threads of their own while the next one fills, so
/// the batch's pipeline waits for the disk only when the disk is the slower.
pub struct DirectFile {
    /// The file as it was given: its position is moved, and the tail written, at the end.
    shared: File,
    /// `None` once finished, or after the file system refused the first direct write (then
    /// everything goes through `shared`).
    disk: Option<DiskWriter>,
    /// Where the buffer being filled goes in the file.
    at: u64,
    filling: AlignedBuffer,
    filled: usize,
}

/// [`BUFFER`] bytes at an address that is a multiple of [`ALIGN`].
struct AlignedBuffer {
    bytes: Vec<u8>,
    start: usize,
}

impl AlignedBuffer {
    fn new() -> Self {
        let mut bytes = vec![0u8; BUFFER + ALIGN];
        // Always below ALIGN for bytes; checked where a buffer is first made.
        let start = bytes.as_mut_ptr().align_offset(ALIGN);
        Self { bytes, start }
    }

    fn is_aligned(&self) -> bool {
        self.start < ALIGN
    }

    fn first(&self, len: usize) -> &[u8] {
        &self.bytes[self.start..self.start + len]
    }
}

/// Whole blocks on their way to the disk.
struct Block {
    buffer: AlignedBuffer,
    len: usize,
    at: u64,
}

/// The file opened with `O_DIRECT`, and the threads that write blocks to it.
struct DiskWriter {
    file: Arc<File>,
    to_threads: mpsc::Sender<Block>,
    written: mpsc::Receiver<(AlignedBuffer, io::Result<()>)>,
    in_flight: usize,
    /// Whether a direct write has succeeded: until then, the file system may still refuse.
    proven: bool,
}

impl DiskWriter {
    fn start(file: File) -> io::Result<Self> {
        let file = Arc::new(file);
        let (to_threads, blocks) = mpsc::channel::<Block>();
        let blocks = Arc::new(Mutex::new(blocks));
        let (report, written) = mpsc::channel();
        for _ in 0..IN_FLIGHT {
            let (file, blocks, report) = (Arc::clone(&file), Arc::clone(&blocks), report.clone());
            std::thread::Builder::new().name("direct-output".into()).spawn(move || {
                // The lock is held only to take a block; a poisoned one cannot happen (nothing
                // panics while holding it), and then the thread ends like a closed channel.
                while let Some(block) = blocks.lock().ok().and_then(|blocks| blocks.recv().ok()) {
                    let result = file.write_all_at(block.buffer.first(block.len), block.at);
                    if report.send((block.buffer, result)).is_err() {
                        break;
                    }
                }
            })?;
        }
        Ok(Self { file, to_threads, written, in_flight: 0, proven: false })
    }

    /// Waits for one block in flight to be written; its buffer, free again.
    fn wait_for_one(&mut self) -> io::Result<AlignedBuffer> {
        let (buffer, result) = self.written.recv().map_err(|_| stopped())?;
        self.in_flight -= 1;
        result.map(|()| buffer)
    }
}

fn stopped() -> io::Error {
    io::Error::other("the threads writing to the disk stopped")
}

/// Whether a direct write failed because the file system does not take them.
fn is_refusal(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidInput
}

impl DirectFile {
    /// `file`, positioned where the output goes, written directly; or `file` back when that
    /// cannot be done.
    pub fn new(file: File) -> Result<Self, File> {
        let Some((direct, at)) = reopen_direct(&file) else { return Err(file) };
        let filling = AlignedBuffer::new();
        if !filling.is_aligned() {
            return Err(file);
        }
        match DiskWriter::start(direct) {
            Ok(disk) => Ok(Self { shared: file, disk: Some(disk), at, filling, filled: 0 }),
            Err(_) => Err(file),
        }
    }

    /// Whether blocks still go to the disk directly (false after a refusal, or once finished).
    #[cfg(test)]
    fn is_direct(&self) -> bool {
        self.disk.is_some()
    }

    /// Writes the first `len` bytes gathered (whole blocks) directly, here and now; if the
    /// file system refuses the first direct write, writes them the ordinary way and stops
    /// writing directly. The gathered bytes after them move to the buffer's start.
    fn write_now(&mut self, len: usize) -> io::Result<()> {
        let Some(disk) = self.disk.as_mut() else { return Ok(()) };
        match disk.file.write_all_at(self.filling.first(len), self.at) {
            Ok(()) => disk.proven = true,
            Err(error) if is_refusal(&error) && !disk.proven => {
                self.disk = None;
                rustix::fs::seek(&self.shared, SeekFrom::Start(self.at))?;
                self.shared.write_all(self.filling.first(len))?;
            }
            Err(error) => return Err(error),
        }
        self.at += len as u64;
        let start = self.filling.start;
        self.filling.bytes.copy_within(start + len..start + self.filled, start);
        self.filled -= len;
        Ok(())
    }

    /// The full buffer to the disk's threads, and a free one to fill.
    fn hand_over(&mut self) -> io::Result<()> {
        let Some(disk) = self.disk.as_mut().filter(|disk| disk.proven) else {
            return self.write_now(self.filled);
        };
        let free = if disk.in_flight == IN_FLIGHT { disk.wait_for_one()? } else { AlignedBuffer::new() };
        let buffer = std::mem::replace(&mut self.filling, free);
        disk.to_threads.send(Block { buffer, len: self.filled, at: self.at }).map_err(|_| stopped())?;
        disk.in_flight += 1;
        self.at += self.filled as u64;
        self.filled = 0;
        Ok(())
    }
}

impl Write for DirectFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.disk.is_none() {
            return self.shared.write(data);
        }
        let taken = data.len().min(BUFFER - self.filled);
        let end = self.filling.start + self.filled;
        self.filling.bytes[end..end + taken].copy_from_slice(&data[..taken]);
        self.filled += taken;
        if self.filled == BUFFER {
            self.hand_over()?;
        }
        Ok(taken)
    }

    /// Finishes: the whole blocks directly, the last partial one through the shared
    /// description, which then stands at the end of the output. Later writes go through it.
    fn flush(&mut self) -> io::Result<()> {
        if let Some(disk) = self.disk.as_mut() {
            while disk.in_flight > 0 {
                disk.wait_for_one()?;
            }
        }
        self.write_now(self.filled / ALIGN * ALIGN)?;
        if self.disk.take().is_some() {
            rustix::fs::seek(&self.shared, SeekFrom::Start(self.at))?;
        }
        self.shared.write_all(self.filling.first(self.filled))?;
        self.filled = 0;
        self.shared.flush()
    }
}

/// The file opened again with `O_DIRECT`, and the position to write from; `None` when it is
/// not a regular file, its position is not a block's start, or it cannot be opened so.
fn reopen_direct(file: &File) -> Option<(File, u64)> {
    let stat = rustix::fs::fstat(file).ok()?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
        return None;
    }
    // Opened to append (`>>`), every write goes to the end; otherwise to the position.
    let at = if rustix::fs::fcntl_getfl(file).ok()?.contains(OFlags::APPEND) {
        u64::try_from(stat.st_size).ok()?
    } else {
        rustix::fs::seek(file, SeekFrom::Current(0)).ok()?
    };
    if !at.is_multiple_of(ALIGN as u64) {
        return None;
    }
    let flags = i32::try_from(OFlags::DIRECT.bits()).ok()?;
    let direct =
        OpenOptions::new().write(true).custom_flags(flags).open(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()?;
    Some((direct, at))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::{Read, Seek};

    fn temp_file(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("jifen-direct-output-{}-{name}", std::process::id()))
    }

    /// Writes of awkward sizes, enough that every buffer is in use and one must wait for the
    /// disk, and a piece may span two buffers.
    fn pieces() -> Vec<Vec<u8>> {
        (0..1500u32).map(|i| (0..(i * 37 % 60_000) + 1).map(|j| (i + j) as u8).collect()).collect()
    }

    fn write_pieces(file: File) -> File {
        let mut output = DirectFile::new(file).map_err(|_| "not direct").unwrap();
        for piece in pieces() {
            output.write_all(&piece).unwrap();
        }
        assert!(output.is_direct(), "this machine's temporary directory takes O_DIRECT");
        output.flush().unwrap();
        assert!(!output.is_direct());
        output.write_all(b"after").unwrap();
        output.shared
    }

    #[test]
    fn every_byte_lands_in_order_and_the_position_ends_after_them() {
        let path = temp_file("whole");
        let file = File::create(&path).unwrap();
        let mut file = write_pieces(file);
        let expected: Vec<u8> = pieces().concat();
        assert!(expected.len() > (IN_FLIGHT + 2) * BUFFER, "too few bytes: {}", expected.len());
        assert_eq!(file.stream_position().unwrap(), expected.len() as u64 + 5);
        let mut written = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut written).unwrap();
        assert_eq!(written.len(), expected.len() + 5);
        assert!(written[..expected.len()] == expected[..], "the bytes differ");
        assert_eq!(&written[expected.len()..], b"after");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn appends_after_what_the_file_held() {
        let path = temp_file("append");
        std::fs::write(&path, vec![b'x'; ALIGN]).unwrap();
        let file = OpenOptions::new().append(true).open(&path).unwrap();
        write_pieces(file);
        let written = std::fs::read(&path).unwrap();
        assert!(written[..ALIGN].iter().all(|&b| b == b'x'));
        assert!(written[ALIGN..ALIGN + pieces().concat().len()] == pieces().concat()[..]);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_position_inside_a_block_or_a_pipe_is_written_the_ordinary_way() {
        let path = temp_file("unaligned");
        let mut file = File::create(&path).unwrap();
        file.write_all(b"header\n").unwrap();
        assert!(DirectFile::new(file).is_err());
        std::fs::remove_file(path).unwrap();

        let (_reader, writer) = std::io::pipe().unwrap();
        let writer = File::from(std::os::fd::OwnedFd::from(writer));
        assert!(DirectFile::new(writer).is_err());
    }
}
