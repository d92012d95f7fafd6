using System.Runtime.CompilerServices;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot files named as Verify names them: <c>Snapshots/{Class}.{Method}#{hint}.verified.cs</c>.
/// On a mismatch the actual text goes to <c>.received.cs</c> and the test fails with an inline diff.
/// A missing snapshot fails too. New or changed snapshots are accepted only when <c>CNNGEN_ACCEPT_SNAPSHOTS=1</c>,
/// and never when <c>CI=true</c>.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string hint, [CallerFilePath] string callerFile = "", [CallerMemberName] string method = "", string? className = null)
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        className ??= Path.GetFileNameWithoutExtension(callerFile);
        string stem = Path.Combine(directory, $"{className}.{method}#{hint}");
        string verified = stem + ".verified.cs";
        string received = stem + ".received.cs";
        actual = Normalise(actual);
        bool accept = Environment.GetEnvironmentVariable("CNNGEN_ACCEPT_SNAPSHOTS") == "1"
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

        if (File.Exists(verified) && Normalise(File.ReadAllText(verified)) == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        if (accept)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual);
        if (!File.Exists(verified))
        {
            Assert.Fail($"No snapshot {Path.GetFileName(verified)}; the output was written to {Path.GetFileName(received)}. Review it, then re-run with CNNGEN_ACCEPT_SNAPSHOTS=1.");
        }

        Assert.Fail($"Snapshot {Path.GetFileName(verified)} differs (actual in {Path.GetFileName(received)}):\n{Diff(Normalise(File.ReadAllText(verified)), actual)}");
    }

    private static string Normalise(string text) =>
        text.Replace("\r\n", "\n").Replace("\uFEFF", string.Empty)
            .Replace($"\"{Emit.NetworkEmitter.ToolVersion}\"", "\"{version}\"");

    private static string Diff(string expected, string actual)
    {
        var model = InlineDiffBuilder.Diff(expected, actual);
        var lines = new List<string>();
        int shown = 0;
        for (int i = 0; i < model.Lines.Count && shown < 60; i++)
        {
            DiffPiece line = model.Lines[i];
            if (line.Type == ChangeType.Unchanged) continue;
            lines.Add((line.Type == ChangeType.Inserted ? "+ " : "- ") + $"{line.Position,5}: {line.Text}");
            shown++;
        }

        return string.Join("\n", lines);
    }
}
