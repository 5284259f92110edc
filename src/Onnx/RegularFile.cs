using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>What an opened path turned out to be.</summary>
internal enum FileKind
{
    Regular,
    Directory,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
    SymbolicLink,
    Other,
}

/// <summary>
/// Opens files for reading the way loading untrusted models needs: without blocking (a named pipe in the model's
/// folder would otherwise block the open until some writer appears), then tells what was opened from the handle
/// itself, so swapping the path between a check and the open does not help. Only regular files are for reading.
/// </summary>
/// <remarks>
/// Linux: <c>open(O_NONBLOCK)</c> then <c>statx</c> on the descriptor; macOS: <c>open(O_NONBLOCK)</c> then
/// <c>fstat</c>; Windows: the open, then <c>GetFileType</c> (devices such as <c>CON</c> are character files there).
/// Elsewhere the file is opened as .NET does and taken as regular.
/// </remarks>
internal static partial class RegularFile
{
    /// <summary>An opened file: its handle (owned by the caller), kind, size, and identity (device and inode) where the OS has one.</summary>
    internal sealed class Opened(SafeFileHandle handle, FileKind kind, long length, (ulong Device, ulong Inode)? identity) : IDisposable
    {
        public SafeFileHandle Handle { get; } = handle;
        public FileKind Kind { get; } = kind;
        public long Length { get; } = length;
        public (ulong Device, ulong Inode)? Identity { get; } = identity;

        public void Dispose() => Handle.Dispose();
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without blocking and reports what it is. With
    /// <paramref name="followFinalLink"/> false a symbolic link as the last component fails the open (Linux, macOS).
    /// </summary>
    /// <exception cref="IOException">The OS refused the open (the message says why); FileNotFoundException when nothing is there.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission.</exception>
    public static Opened Open(string path, bool followFinalLink)
    {
        if (OperatingSystem.IsLinux()) return OpenLinux(path, followFinalLink);
        if (OperatingSystem.IsMacOS()) return OpenMac(path, followFinalLink);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (OperatingSystem.IsWindows())
        {
            var kind = GetFileType(handle) switch
            {
                FileTypeDisk => FileKind.Regular,
                FileTypeChar => FileKind.CharacterDevice,
                FileTypePipe => FileKind.Fifo,
                _ => FileKind.Other,
            };
            return new Opened(handle, kind, kind == FileKind.Regular ? RandomAccess.GetLength(handle) : 0, null);
        }
        return new Opened(handle, FileKind.Regular, RandomAccess.GetLength(handle), null);
    }

    /// <summary>"a named pipe (FIFO)", "a character device", … for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.Socket => "a socket",
        FileKind.SymbolicLink => "a symbolic link",
        _ => "not a regular file",
    };

    /// <summary>Reads up to <paramref name="buffer"/>'s length from <paramref name="offset"/>; returns how many bytes were read (fewer only at the end of the file).</summary>
    public static int ReadAt(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (read == 0) break;
            total += read;
        }
        return total;
    }

    private static FileKind KindOf(uint mode) => (mode & 0xF000) switch // S_IFMT
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0x1000 => FileKind.Fifo,
        0xC000 => FileKind.Socket,
        0xA000 => FileKind.SymbolicLink,
        _ => FileKind.Other,
    };

    // ---- Linux: open(2) flags are the generic ones on x64 and arm64 but for O_NOFOLLOW; statx(2) has one layout on every architecture.

    private const int LinuxNonBlock = 0x800, LinuxNoCtty = 0x100, LinuxCloseOnExec = 0x80000;
    private const int LinuxEmptyPath = 0x1000; // AT_EMPTY_PATH
    private const uint StatxType = 0x1, StatxMode = 0x2, StatxIno = 0x100, StatxSize = 0x200;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Statx
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int UnixOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LinuxStatx(int directory, string path, int flags, uint mask, out Statx result);

    /// <summary>struct stat of the fstat system call on x64 and arm64 (the fallback where statx is missing or filtered).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct KernelStat
    {
        [FieldOffset(0)] public ulong Device;
        [FieldOffset(8)] public ulong Inode;
        [FieldOffset(16)] public uint ModeArm64;
        [FieldOffset(24)] public uint ModeX64;
        [FieldOffset(48)] public long Size;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long LinuxSyscall(long number, long fd, out KernelStat result);

    private static Opened OpenLinux(string path, bool followFinalLink, bool statx = true)
    {
        int noFollow = followFinalLink ? 0 : RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 => 0x20000,
            Architecture.Arm64 or Architecture.Arm => 0x8000,
            _ => 0, // the final component is resolved by the caller already; this only narrows a race
        };
        var handle = OpenDescriptor(path, LinuxNonBlock | LinuxNoCtty | LinuxCloseOnExec | noFollow);
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            int errno = 38; // ENOSYS
            if (statx)
            {
                try
                {
                    if (LinuxStatx(fd, "", LinuxEmptyPath, StatxType | StatxMode | StatxIno | StatxSize, out var stat) == 0)
                    {
                        var kind = KindOf(stat.Mode);
                        return new Opened(handle, kind, kind == FileKind.Regular ? checked((long)stat.Size) : 0,
                            ((ulong)stat.DevMajor << 32 | stat.DevMinor, stat.Inode));
                    }
                    errno = Marshal.GetLastPInvokeError();
                }
                catch (EntryPointNotFoundException) { } // a C library older than statx (glibc 2.28)
            }
            // statx missing from the kernel (ENOSYS) or refused by a seccomp filter (EPERM): fstat, which every Linux has.
            if (errno is not (38 or 1)) throw Error(errno, path);
            (long number, bool x64) = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => (5L, true),
                Architecture.Arm64 => (80L, false),
                _ => throw Error(errno, path),
            };
            if (LinuxSyscall(number, fd, out var old) != 0) throw Error(Marshal.GetLastPInvokeError(), path);
            var oldKind = KindOf(x64 ? old.ModeX64 : old.ModeArm64);
            return new Opened(handle, oldKind, oldKind == FileKind.Regular ? old.Size : 0, (old.Device, old.Inode));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>For tests: the open with the fstat fallback that Linux systems without statx take.</summary>
    internal static Opened OpenLinuxWithoutStatx(string path) => OpenLinux(path, followFinalLink: true, statx: false);

    // ---- macOS: struct stat with 64-bit inodes (the only one on arm64; fstat$INODE64 on x64).

    private const int MacNonBlock = 0x4, MacNoCtty = 0x20000, MacCloseOnExec = 0x1000000, MacNoFollow = 0x100;

    [StructLayout(LayoutKind.Explicit, Size = 144)]
    private struct MacStat
    {
        [FieldOffset(0)] public int Device;
        [FieldOffset(4)] public ushort Mode;
        [FieldOffset(8)] public ulong Inode;
        [FieldOffset(96)] public long Size;
    }

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int MacFstatArm64(int fd, out MacStat result);

    [LibraryImport("libc", EntryPoint = "fstat$INODE64", SetLastError = true)]
    private static partial int MacFstatX64(int fd, out MacStat result);

    private static Opened OpenMac(string path, bool followFinalLink)
    {
        var handle = OpenDescriptor(path, MacNonBlock | MacNoCtty | MacCloseOnExec | (followFinalLink ? 0 : MacNoFollow));
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            MacStat stat;
            int status = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? MacFstatArm64(fd, out stat) : MacFstatX64(fd, out stat);
            if (status != 0) throw Error(Marshal.GetLastPInvokeError(), path);
            var kind = KindOf(stat.Mode);
            return new Opened(handle, kind, kind == FileKind.Regular ? stat.Size : 0, ((ulong)(uint)stat.Device, stat.Inode));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SafeFileHandle OpenDescriptor(string path, int flags)
    {
        int fd = UnixOpen(path, flags); // O_RDONLY is 0
        if (fd < 0) throw Error(Marshal.GetLastPInvokeError(), path);
        return new SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    private static Exception Error(int errno, string path)
    {
        string message = $"'{path}': {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno switch
        {
            2 => new FileNotFoundException($"Could not find file {message}", path), // ENOENT
            13 or 1 => new UnauthorizedAccessException($"Access to {message} is denied"), // EACCES, EPERM
            _ => new IOException($"Could not open {message}", errno),
        };
    }

    // ---- Windows

    private const int FileTypeDisk = 1, FileTypeChar = 2, FileTypePipe = 3;

    [LibraryImport("kernel32.dll", SetLastError = true)]
    private static partial int GetFileType(SafeFileHandle handle);
}
