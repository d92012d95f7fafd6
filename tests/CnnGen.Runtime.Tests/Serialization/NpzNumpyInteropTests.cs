using System.Diagnostics;
using System.Globalization;
using CnnGen.Runtime.Tests.Data;
using CnnGen.Runtime.Tests.Fakes;
using CnnGen.Serialization;

namespace CnnGen.Runtime.Tests.Serialization;

/// <summary>Checks that numpy itself reads what <see cref="Npz.Save(INetwork, string)"/> writes (skipped without python3 + numpy).</summary>
public class NpzNumpyInteropTests
{
    private static string? Run(string python, string script, string arg)
    {
        try
        {
            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add(arg);
            using Process p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit(60_000);
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    [SkippableFact]
    public void NumpyReadsOurNpz()
    {
        const string python = "/usr/bin/python3";
        Skip.If(!File.Exists(python) || Run(python, "import numpy", "") is null, "python3 with numpy is not installed.");
        using var dir = new TempDir();
        var net = new FakeNetwork().Fill(77);
        Npz.Save(net, dir.File("w.npz"));

        string? output = Run(python,
            "import sys, numpy as np\n" +
            "z = np.load(sys.argv[1])\n" +
            "for k in sorted(z.files):\n" +
            "    a = z[k]\n" +
            "    print(k, a.dtype.str, 'x'.join(map(str, a.shape)), repr(float(a.astype(np.float64).sum())), a.flags['C_CONTIGUOUS'])\n",
            dir.File("w.npz"));
        Assert.NotNull(output);
        string[] lines = output!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        var tensors = net.Parameters.Select(p => (p.Name, p.ShapeText, p.Values)).Concat(net.States.Select(s => (s.Name, s.ShapeText, s.Values)));
        foreach (var (name, shape, values) in tensors)
        {
            string[] f = lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ');
            Assert.Equal("<f4", f[1]);
            Assert.Equal(shape, f[2]);
            Assert.Equal(values.Sum(v => (double)v), double.Parse(f[3], CultureInfo.InvariantCulture), 9);
            Assert.Equal("True", f[4]);
        }
    }
}
