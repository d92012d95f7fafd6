using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using CnnGen.Data;
using Spectre.Console;

namespace LeNetSample
{
    /// <summary>Finds the data: <c>--data DIR</c>, else the cache folder, downloading MNIST into it when it is empty.</summary>
    internal static class DataSource
    {
        /// <summary>The folder that holds the four IDX files; downloads MNIST into the cache when needed.</summary>
        /// <exception cref="DatasetUnavailableException">The files are missing and cannot be downloaded.</exception>
        public static async Task<string> ResolveAsync(Options options)
        {
            if (options.DataDirectory is not null)
            {
                if (!Directory.Exists(options.DataDirectory))
                {
                    throw new DatasetUnavailableException(
                        $"The data folder '{Path.GetFullPath(options.DataDirectory)}' does not exist. " + DatasetUnavailableException.HowToGetData);
                }

                return options.DataDirectory;
            }

            string cache = options.ResolveCacheDirectory();
            if (HasAllFiles(cache)) return cache;
            if (options.NoDownload)
            {
                throw new DatasetUnavailableException(
                    $"MNIST is not in the cache folder '{Path.GetFullPath(cache)}' and --no-download was given. " + DatasetUnavailableException.HowToGetData);
            }

            AnsiConsole.MarkupLineInterpolated($"Downloading MNIST into [blue]{Path.GetFullPath(cache)}[/] (about 11 MB, once).");
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                .StartAsync(async context =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    foreach (MnistFile f in MnistDownloader.OfficialFiles)
                    {
                        if (File.Exists(Path.Combine(cache, f.FileName))) continue;
                        tasks[f.FileName] = context.AddTask(Markup.Escape(f.FileName), maxValue: f.Bytes);
                    }

                    await MnistDownloader.EnsureAsync(cache, new DownloadReporter(tasks)).ConfigureAwait(false);
                    foreach (ProgressTask t in tasks.Values) t.Value = t.MaxValue;
                }).ConfigureAwait(false);
            return cache;
        }

        /// <summary>Whether <paramref name="directory"/> holds the four files (raw or .gz, dashed or dotted names).</summary>
        public static bool HasAllFiles(string directory)
        {
            if (!Directory.Exists(directory)) return false;
            foreach (string name in new[] { MnistDataset.TrainImagesName, MnistDataset.TrainLabelsName, MnistDataset.TestImagesName, MnistDataset.TestLabelsName })
            {
                try
                {
                    MnistDataset.FindFile(directory, name);
                }
                catch (DatasetUnavailableException)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Moves the bar of each file as its bytes arrive (called on the downloading thread; Spectre's tasks are thread-safe).</summary>
        private sealed class DownloadReporter : IProgress<DownloadProgress>
        {
            private readonly Dictionary<string, ProgressTask> _tasks;

            public DownloadReporter(Dictionary<string, ProgressTask> tasks) => _tasks = tasks;

            public void Report(DownloadProgress value)
            {
                if (!_tasks.TryGetValue(value.FileName, out ProgressTask? task)) return;
                if (value.TotalBytes is long total && total > 0) task.MaxValue = total;
                task.Value = value.BytesReceived;
            }
        }
    }
}
