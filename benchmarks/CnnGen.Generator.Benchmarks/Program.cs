using System.Diagnostics;
using BenchmarkDotNet.Running;
using CnnGen.Generator.Benchmarks;
using Microsoft.CodeAnalysis;

// "quick": a Stopwatch table (median of repeated runs after warm-up) that also checks each network generates
// without errors; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "quick")
{
    int repetitions = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
    Console.WriteLine($"{"network",-14} {"median ms",10} {"min ms",8} {"max ms",8} {"lines",7}");
    foreach (string name in new[] { "SimpleConvNet", "Vgg50", "Vgg16", "ResNet18" })
    {
        var compilation = Harness.Compilation(Harness.Source(name));
        GeneratorDriverRunResult first = Harness.Driver().RunGenerators(compilation).GetRunResult();
        if (first.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) || first.Results[0].Exception is not null)
        {
            Console.WriteLine($"{name}: generation failed: {string.Join("; ", first.Diagnostics)} {first.Results[0].Exception}");
            return 1;
        }

        int lines = first.Results[0].GeneratedSources[0].SourceText.Lines.Count;
        var times = new List<double>();
        for (int i = 0; i < repetitions + 5; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            Harness.Driver().RunGenerators(compilation);
            if (i >= 5) times.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine($"{name,-14} {times[times.Count / 2],10:F2} {times[0],8:F2} {times[^1],8:F2} {lines,7}");
    }

    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(GeneratorBenchmarks).Assembly).Run(args);
return 0;
