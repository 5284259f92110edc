// MSBuild inline task (RoslynCodeTaskFactory): see TorchSharpNativeCompat.targets for why it exists.
// Hand-written rather than calling patchelf: a fresh machine may have neither patchelf nor a compiler, and the
// edit is one 16-bit flag in one ELF structure.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class PruningWeakenGlibcxxRequirement : Task
{
    private const ushort VerFlagWeak = 0x2;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    [Required] public string Folder { get; set; } = "";
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        if (!Directory.Exists(Folder)) return true;
        string stdcxx = FindSystemLibStdCxx();
        if (stdcxx == null)
        {
            Log.LogMessage(MessageImportance.Low, "No system libstdc++ found; TorchSharp native left as is.");
            return true;
        }
        if (FileContains(stdcxx, Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, stdcxx + " provides " + Version + "; nothing to patch.");
            return true;
        }
        foreach (string path in Directory.EnumerateFiles(Folder, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            try
            {
                if (Weaken(path, Version))
                    Log.LogMessage(MessageImportance.High,
                        "Marked " + Version + " weak in " + path + " (system " + stdcxx + " is older; TorchSharpNativeCompat of Microsoft.ML.Pruning, opt out with PruningPatchTorchSharpNative=false).");
            }
            catch (Exception ex) when (ex is IOException || ex is InvalidDataException || ex is UnauthorizedAccessException)
            {
                Log.LogWarning("Could not adapt " + path + " to the system libstdc++: " + ex.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static string FindSystemLibStdCxx()
    {
        // The running dotnet process maps the libstdc++ the dynamic loader picks; prefer that.
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.IndexOf("libstdc++.so", slash, StringComparison.Ordinal) >= 0)
                    return line.Substring(slash).Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        string[] candidates =
        {
            "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib64/libstdc++.so.6",
        };
        foreach (string c in candidates) if (File.Exists(c)) return c;
        return null;
    }

    private static bool FileContains(string path, byte[] needle)
    {
        byte[] data = File.ReadAllBytes(path);
        for (int i = 0; i <= data.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && data[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    /// <summary>Sets VER_FLG_WEAK on the vernaux entry naming <paramref name="version"/>; true when the file changed.</summary>
    private static bool Weaken(string path, string version)
    {
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");
        ulong shoff = BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3a);
        int shnum = BitConverter.ToUInt16(b, 0x3c);
        bool changed = false;
        for (int i = 0; i < shnum; i++)
        {
            int sh = Checked(shoff + (ulong)(i * shentsize), 64, b.Length);
            if (BitConverter.ToUInt32(b, sh + 4) != ShtGnuVerneed) continue;
            int offset = Checked(BitConverter.ToUInt64(b, sh + 0x18), 0, b.Length);
            int link = (int)BitConverter.ToUInt32(b, sh + 0x28);
            int strSh = Checked(shoff + (ulong)(link * shentsize), 64, b.Length);
            int strOffset = Checked(BitConverter.ToUInt64(b, strSh + 0x18), 0, b.Length);
            int need = offset;
            var seen = new HashSet<int>();
            while (seen.Add(need))
            {
                Checked((ulong)need, 16, b.Length);
                int count = BitConverter.ToUInt16(b, need + 2);
                int aux = need + (int)BitConverter.ToUInt32(b, need + 8);
                for (int k = 0; k < count; k++)
                {
                    Checked((ulong)aux, 16, b.Length);
                    int nameOffset = Checked((ulong)strOffset + BitConverter.ToUInt32(b, aux + 8), 1, b.Length);
                    ushort flags = BitConverter.ToUInt16(b, aux + 4);
                    if (ReadCString(b, nameOffset) == version && (flags & VerFlagWeak) == 0)
                    {
                        byte[] weak = BitConverter.GetBytes((ushort)(flags | VerFlagWeak));
                        b[aux + 4] = weak[0];
                        b[aux + 5] = weak[1];
                        changed = true;
                    }
                    uint next = BitConverter.ToUInt32(b, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint nextNeed = BitConverter.ToUInt32(b, need + 12);
                if (nextNeed == 0) break;
                need += (int)nextNeed;
            }
        }
        if (!changed) return false;
        string temp = path + ".patching";
        File.WriteAllBytes(temp, b);
        File.Replace(temp, path, null);
        return true;
    }

    private static int Checked(ulong offset, int size, int length)
    {
        if (offset + (ulong)size > (ulong)length) throw new InvalidDataException("ELF structure out of bounds");
        return (int)offset;
    }

    private static string ReadCString(byte[] b, int start)
    {
        int end = Array.IndexOf(b, (byte)0, start);
        if (end < 0) throw new InvalidDataException("unterminated ELF string");
        return Encoding.ASCII.GetString(b, start, end - start);
    }
}
