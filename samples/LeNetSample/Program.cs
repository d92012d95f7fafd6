using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using CnnGen;
using CnnGen.Data;
using CnnGen.Kernels;
using CnnGen.Metrics;
using CnnGen.Plotting;
using CnnGen.Training;
using LeNetSample;
using Spectre.Console;

// Exit codes: 0 success, 1 unexpected failure, 2 bad command line, 3 data unavailable.
Options options;
try
{
    options = Options.Parse(args);
}
catch (OptionsException e)
{
    ConsoleView.Error(e.Message, "Run with --help to see the options.");
    return 2;
}

if (options.ShowHelp)
{
    Console.Write(Options.HelpText);
    return 0;
}

try
{
    return await Run(options);
}
catch (DatasetUnavailableException e)
{
    ConsoleView.Error(e.Message);
    return 3;
}
catch (InvalidDataException e)
{
    ConsoleView.Error($"The data files cannot be read: {e.Message}");
    return 3;
}

static async Task<int> Run(Options options)
{
    if (options.Threads is int threads) KernelDispatch.MaxDegreeOfParallelism = threads;
    ConsoleView.Title();

    // Data: --data DIR, else the cache (downloaded once).
    string dataDirectory = await DataSource.ResolveAsync(options);
    MnistData data = AnsiConsole.Status().Start("Reading the data...", _ => MnistData.Load(dataDirectory));
    MnistDataset train = options.TrainLimit is int tl && tl < data.Train.Count ? data.Train.Subset(tl) : data.Train;
    MnistDataset test = options.TestLimit is int el && el < data.Test.Count ? data.Test.Subset(el) : data.Test;
    if (train.Rows != 28 || train.Columns != 28)
    {
        throw new InvalidDataException($"The images are {train.Rows}x{train.Columns}; the networks of this sample take 28x28 images.");
    }

    IReadOnlyList<string> classNames = train.ClassNames;
    string dataName = train.Kind == MnistKind.Fashion ? "Fashion-MNIST" : "MNIST";

    INetwork network = options.Model == "lenet5" ? new LeNet5(options.Seed) : new SimpleConvNet(options.Seed);
    if (options.Init != "default")
    {
        Initializer.Initialize(network, options.Seed, options.Init switch
        {
            "he" => InitScheme.He,
            "xavier" => InitScheme.Xavier,
            _ => InitScheme.FixedStd,
        });
    }

    IOptimizer optimizer = CreateOptimizer(options.Optimizer, options.LearningRate);
    ILearningRateSchedule schedule = options.Schedule == "cosine"
        ? new CosineSchedule(options.LearningRate, options.Epochs)
        : new ConstantSchedule(options.LearningRate);

    ConsoleView.Settings(new (string, string)[]
    {
        ("Data", $"{dataName} from {Path.GetFullPath(dataDirectory)}"),
        ("Images", string.Create(CultureInfo.InvariantCulture, $"{train.Count:N0} training, {test.Count:N0} test, {train.Rows}x{train.Columns}")),
        ("Training", string.Create(CultureInfo.InvariantCulture,
            $"{options.Epochs} epochs, batch {options.Batch}, {options.Optimizer} lr {options.LearningRate:0.######} ({options.Schedule}), init {options.Init}, seed {options.Seed}")),
        ("Compute", $"{KernelDispatch.MaxDegreeOfParallelism} thread(s) per matrix product, SIMD {KernelDispatch.Level}"),
        ("Output", Path.GetFullPath(options.OutDirectory)),
    });
    ConsoleView.NetworkSummary(network);

    Directory.CreateDirectory(options.OutDirectory);
    var written = new List<(string Path, string What)>();
    string Out(string name) => Path.Combine(options.OutDirectory, name);
    Parameter? firstFilters = FirstConvWeights(network);
    if (!options.NoPlots && firstFilters is not null)
    {
        FilterGridPlot.Save(firstFilters, Out("filters-before.png"), $"{firstFilters.Name} before training ({firstFilters.ShapeText})");
        written.Add((Out("filters-before.png"), "first filters, initial"));
    }

    // Training. Ctrl+C stops after the current batch; the model is still evaluated and saved.
    var loop = new TrainingLoop(network, optimizer, schedule, train, test, options.Batch, options.Epochs, options.Seed);
    ConsoleCancelEventHandler onCancel = (_, e) =>
    {
        if (loop.Stopped) return; // a second Ctrl+C ends the program
        e.Cancel = true;
        loop.RequestStop();
    };
    Console.CancelKeyPress += onCancel;
    var total = System.Diagnostics.Stopwatch.StartNew();
    loop.Run();
    total.Stop();
    Console.CancelKeyPress -= onCancel;
    AnsiConsole.WriteLine();
    ConsoleView.EpochTable(loop.Epochs);
    AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
        $"Trained {loop.Epochs.Count} epoch(s) in {total.Elapsed.TotalSeconds:F1} s (training and evaluation)."));

    // Final evaluation: top-1, top-5 and the confusion matrix.
    float[] logits = TrainingLoop.Logits(network, test);
    double top1 = TopK.Accuracy(logits, test.Labels, network.OutputSize, 1);
    double top5 = TopK.Accuracy(logits, test.Labels, network.OutputSize, 5);
    var matrix = new ConfusionMatrix(network.OutputSize);
    matrix.AddLogits(logits, test.Labels);
    AnsiConsole.WriteLine();
    ConsoleView.Results(top1, top5, test.Count, matrix, classNames);

    // The model in three formats, and a text report.
    network.Save(Out("model.cnngen"));
    written.Add((Out("model.cnngen"), "parameters (net.Load)"));
    network.SaveNpz(Out("model.npz"));
    written.Add((Out("model.npz"), "parameters as NumPy arrays"));
    network.ExportOnnx(Out("model.onnx"));
    written.Add((Out("model.onnx"), "ONNX model"));
    Report.Write(Out("report.txt"), network, options, dataName, dataDirectory, loop, top1, top5, matrix, classNames);
    written.Add((Out("report.txt"), "epochs, accuracy, confusion, per class"));

    if (!options.NoPlots)
    {
        AnsiConsole.Status().Start("Drawing the pictures...", _ => Pictures.Draw(network, firstFilters, test, classNames, loop, Out, written));
    }

    ConsoleView.Outputs(written);
    return 0;
}

static IOptimizer CreateOptimizer(string name, float lr) => name switch
{
    "sgd" => new Sgd(lr),
    "momentum" => new Momentum(lr),
    "nesterov" => new Nesterov(lr),
    "adagrad" => new AdaGrad(lr),
    "rmsprop" => new RmsProp(lr),
    _ => new Adam(lr),
};

static Parameter? FirstConvWeights(INetwork network)
{
    foreach (LayerInfo layer in network.Layers)
    {
        if (layer.Kind != LayerKind.Conv || layer.Weight is null) continue;
        foreach (Parameter p in network.Parameters)
        {
            if (p.Name == layer.Weight) return p;
        }
    }

    return null;
}
