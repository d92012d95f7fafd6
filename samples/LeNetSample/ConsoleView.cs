using System;
using System.Collections.Generic;
using System.Globalization;
using CnnGen;
using CnnGen.Metrics;
using Spectre.Console;

namespace LeNetSample
{
    /// <summary>Everything the sample shows on the console, drawn with Spectre.Console (plain text when the output is redirected).</summary>
    internal static class ConsoleView
    {
        private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

        public static void Title()
        {
            AnsiConsole.Write(new Rule("[bold]CnnGen · LeNet sample[/]").LeftJustified());
        }

        public static void Settings(IReadOnlyList<(string Name, string Value)> rows)
        {
            var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
            foreach ((string name, string value) in rows)
            {
                grid.AddRow(new Markup($"[grey]{Markup.Escape(name)}[/]"), new Text(value));
            }

            AnsiConsole.Write(new Panel(grid).Header("Run").Border(BoxBorder.Rounded).Expand());
        }

        /// <summary>The network's layers (as in <see cref="INetwork.Summary"/>) as a table.</summary>
        public static void NetworkSummary(INetwork network)
        {
            var table = new Table().Border(TableBorder.Simple).Expand()
                .AddColumn(new TableColumn("#").RightAligned())
                .AddColumn("Layer")
                .AddColumn(new TableColumn("Output").RightAligned())
                .AddColumn(new TableColumn("Params").RightAligned())
                .AddColumn(new TableColumn("FLOPs").RightAligned());
            long flops = 0;
            foreach (LayerInfo layer in network.Layers)
            {
                flops += layer.ForwardFlops;
                table.AddRow(
                    new Text(layer.Index.ToString(Invariant)),
                    new Markup(layer.ParameterCount > 0 ? $"[bold]{Markup.Escape(layer.Description)}[/]" : Markup.Escape(layer.Description)),
                    new Text(layer.OutputShape.ToString()),
                    new Text(layer.ParameterCount.ToString("N0", Invariant)),
                    new Text(layer.ForwardFlops.ToString("N0", Invariant)));
            }

            table.AddEmptyRow();
            table.AddRow(new Text(""), new Markup("[bold]Total[/]"), new Text(""),
                new Markup($"[bold]{network.ParameterCount.ToString("N0", Invariant)}[/]"), new Markup($"[bold]{flops.ToString("N0", Invariant)}[/]"));
            AnsiConsole.Write(new Panel(table)
                .Header($"{Markup.Escape(network.Name)}: {network.ParameterCount.ToString("N0", Invariant)} parameters, {flops.ToString("N0", Invariant)} FLOPs per image")
                .Border(BoxBorder.Rounded).Expand());
        }

        public static void EpochLine(EpochResult r, int epochs, bool stopped)
        {
            string text = string.Create(Invariant,
                $"[bold]Epoch {r.Epoch}/{epochs}[/]  loss [yellow]{r.TrainLoss:F4}[/]  train [green]{100 * r.TrainAccuracy:F2}%[/]  " +
                $"test [bold green]{100 * r.TestAccuracy:F2}%[/]  {r.TrainTime.TotalSeconds:F1} s  {r.ImagesPerSecond:N0} img/s");
            AnsiConsole.MarkupLine(stopped ? text + "  [red](stopped early)[/]" : text);
        }

        public static void EpochTable(IReadOnlyList<EpochResult> epochs)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("Training")
                .AddColumn(new TableColumn("Epoch").RightAligned())
                .AddColumn(new TableColumn("LR").RightAligned())
                .AddColumn(new TableColumn("Loss").RightAligned())
                .AddColumn(new TableColumn("Train").RightAligned())
                .AddColumn(new TableColumn("Test loss").RightAligned())
                .AddColumn(new TableColumn("Test").RightAligned())
                .AddColumn(new TableColumn("Time").RightAligned())
                .AddColumn(new TableColumn("Img/s").RightAligned());
            double best = 0;
            foreach (EpochResult r in epochs) best = Math.Max(best, r.TestAccuracy);
            foreach (EpochResult r in epochs)
            {
                string test = string.Create(Invariant, $"{100 * r.TestAccuracy:F2}%");
                table.AddRow(
                    new Text(r.Epoch.ToString(Invariant)),
                    new Text(r.LearningRate.ToString("0.#####", Invariant)),
                    new Text(r.TrainLoss.ToString("F4", Invariant)),
                    new Text(string.Create(Invariant, $"{100 * r.TrainAccuracy:F2}%")),
                    new Text(r.TestLoss.ToString("F4", Invariant)),
                    r.TestAccuracy == best ? new Markup($"[bold green]{test}[/]") : new Text(test),
                    new Text(string.Create(Invariant, $"{r.TrainTime.TotalSeconds:F1} s")),
                    new Text(r.ImagesPerSecond.ToString("N0", Invariant)));
            }

            AnsiConsole.Write(table);
        }

        public static void Results(double top1, double top5, int testCount, ConfusionMatrix matrix, IReadOnlyList<string> names)
        {
            AnsiConsole.MarkupLine(string.Create(Invariant,
                $"Test set ({testCount:N0} images): top-1 accuracy [bold green]{100 * top1:F2}%[/], top-5 accuracy [bold]{100 * top5:F2}%[/]"));

            // Rows are the true classes, columns the predictions (by number, so ten columns fit in 80 characters).
            var table = new Table().Border(TableBorder.Simple).Title("Confusion matrix (rows: true class, columns: predicted)")
                .AddColumn(new TableColumn("True class").NoWrap());
            for (int c = 0; c < matrix.Classes; c++) table.AddColumn(new TableColumn(c.ToString(Invariant)).RightAligned().Padding(1, 0, 0, 0));
            table.AddColumn(new TableColumn("Recall").RightAligned().Padding(2, 0, 0, 0));
            for (int actual = 0; actual < matrix.Classes; actual++)
            {
                var cells = new List<Spectre.Console.Rendering.IRenderable>
                {
                    new Text($"{actual} {(actual < names.Count ? names[actual] : "")}".TrimEnd()),
                };
                for (int predicted = 0; predicted < matrix.Classes; predicted++)
                {
                    long n = matrix[actual, predicted];
                    string s = n.ToString(Invariant);
                    cells.Add(predicted == actual ? new Markup($"[bold green]{s}[/]")
                        : n == 0 ? new Markup($"[grey]{s}[/]")
                        : new Markup($"[red]{s}[/]"));
                }

                cells.Add(new Text(string.Create(Invariant, $"{100 * matrix.Recall(actual):F1}%")));
                table.AddRow(cells);
            }

            AnsiConsole.Write(table);
        }

        public static void Outputs(IReadOnlyList<(string Path, string What)> files)
        {
            string folder = files.Count > 0 ? System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(files[0].Path)) ?? "" : "";
            var table = new Table().Border(TableBorder.Rounded).Title($"Written to {Markup.Escape(folder)}")
                .AddColumn(new TableColumn("File").NoWrap()).AddColumn("Contents");
            foreach ((string path, string what) in files) table.AddRow(new Text(System.IO.Path.GetFileName(path)), new Text(what));
            AnsiConsole.Write(table);
        }

        private static readonly IAnsiConsole s_stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

        /// <summary>Prints an error (and an optional hint) on standard error.</summary>
        public static void Error(string message, string? hint = null)
        {
            s_stderr.MarkupLineInterpolated($"[red bold]error:[/] {message}");
            if (hint is not null) s_stderr.MarkupLineInterpolated($"[grey]{hint}[/]");
        }
    }
}
