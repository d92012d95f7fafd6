using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace LeNetSample
{
    /// <summary>A command line that cannot be understood; the message says what is wrong.</summary>
    internal sealed class OptionsException : Exception
    {
        public OptionsException(string message) : base(message)
        {
        }
    }

    /// <summary>The command-line options of the sample, parsed by hand (no reflection, so NativeAOT stays warning-free).</summary>
    internal sealed class Options
    {
        public const int DefaultBatch = 100;
        public const int DefaultSeed = 42;
        public const string DefaultOut = "lenet-output";

        /// <summary>"simpleconvnet" or "lenet5".</summary>
        public string Model { get; private set; } = "simpleconvnet";
        public string? DataDirectory { get; private set; }
        public int? EpochsOption { get; private set; }
        public int Batch { get; private set; } = DefaultBatch;
        public float? LearningRateOption { get; private set; }
        public string Optimizer { get; private set; } = "adam";

        /// <summary>Weight initialisation: default (He before ReLU, Xavier before sigmoid/tanh), he, xavier, or the notes' fixed std 0.01.</summary>
        public string Init { get; private set; } = "default";
        public string Schedule { get; private set; } = "cosine";
        public int Seed { get; private set; } = DefaultSeed;
        public int? TrainLimit { get; private set; }
        public int? TestLimit { get; private set; }
        public int? Threads { get; private set; }
        public string OutDirectory { get; private set; } = DefaultOut;
        public bool NoDownload { get; private set; }
        public string? CacheDirectory { get; private set; }
        public bool NoPlots { get; private set; }
        public bool ShowHelp { get; private set; }

        /// <summary>Epochs to train: the option, or the model's default.</summary>
        public int Epochs => EpochsOption ?? DefaultEpochs(Model);

        /// <summary>The learning rate: the option, or the optimiser's usual starting rate.</summary>
        public float LearningRate => LearningRateOption ?? DefaultLearningRate(Optimizer);

        public static int DefaultEpochs(string model) => model == "lenet5" ? 10 : 8;

        public static float DefaultLearningRate(string optimizer) => optimizer switch
        {
            "sgd" => 0.1f,
            "momentum" or "nesterov" => 0.01f,
            "adagrad" => 0.01f,
            "rmsprop" => 0.001f,
            _ => 0.001f,
        };

        /// <summary>The cache folder: <c>--cache</c>, else <c>$XDG_CACHE_HOME/cnngen/mnist</c>, else <c>~/.cache/cnngen/mnist</c>.</summary>
        public string ResolveCacheDirectory()
        {
            if (CacheDirectory is not null) return CacheDirectory;
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "cnngen", "mnist");
        }

        /// <summary>Parses <paramref name="args"/>; throws <see cref="OptionsException"/> with a readable message on a mistake.</summary>
        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (int i = 0; i < args.Length; i++)
            {
                string arg = args[i];
                string name = arg;
                string? inline = null;
                int eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
                {
                    name = arg[..eq];
                    inline = arg[(eq + 1)..];
                }

                string Value()
                {
                    if (inline is not null) return inline;
                    if (i + 1 >= args.Length || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                    {
                        throw new OptionsException($"Option {name} needs a value.");
                    }

                    return args[++i];
                }

                void NoValue()
                {
                    if (inline is not null) throw new OptionsException($"Option {name} takes no value.");
                }

                switch (name)
                {
                    case "-h":
                    case "--help":
                    case "-?":
                        NoValue();
                        o.ShowHelp = true;
                        break;
                    case "--model":
                        o.Model = ParseModel(Value());
                        break;
                    case "--data":
                        o.DataDirectory = NonEmpty(name, Value());
                        break;
                    case "--epochs":
                        o.EpochsOption = ParseInt(name, Value(), 1, 10_000);
                        break;
                    case "--batch":
                        o.Batch = ParseInt(name, Value(), 1, 60_000);
                        break;
                    case "--lr":
                        o.LearningRateOption = ParseLearningRate(name, Value());
                        break;
                    case "--optimizer":
                        o.Optimizer = ParseChoice(name, Value(), "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam");
                        break;
                    case "--init":
                        o.Init = ParseChoice(name, Value(), "default", "he", "xavier", "std");
                        break;
                    case "--schedule":
                        o.Schedule = ParseChoice(name, Value(), "cosine", "constant");
                        break;
                    case "--seed":
                        o.Seed = ParseInt(name, Value(), 0, int.MaxValue);
                        break;
                    case "--train-limit":
                        o.TrainLimit = ParseInt(name, Value(), 1, int.MaxValue);
                        break;
                    case "--test-limit":
                        o.TestLimit = ParseInt(name, Value(), 1, int.MaxValue);
                        break;
                    case "--threads":
                        o.Threads = ParseInt(name, Value(), 1, 1024);
                        break;
                    case "--out":
                        o.OutDirectory = NonEmpty(name, Value());
                        break;
                    case "--cache":
                        o.CacheDirectory = NonEmpty(name, Value());
                        break;
                    case "--no-download":
                        NoValue();
                        o.NoDownload = true;
                        break;
                    case "--no-plots":
                        NoValue();
                        o.NoPlots = true;
                        break;
                    default:
                        throw new OptionsException(arg.StartsWith('-')
                            ? $"Unknown option '{name}'." + Suggest(name)
                            : $"Unexpected argument '{arg}' (options start with --).");
                }
            }

            return o;
        }

        private static readonly string[] s_names =
        {
            "--help", "--model", "--data", "--epochs", "--batch", "--lr", "--optimizer", "--init", "--schedule", "--seed",
            "--train-limit", "--test-limit", "--threads", "--out", "--cache", "--no-download", "--no-plots",
        };

        /// <summary>" Did you mean --x?" for a near miss (edit distance at most 2), else empty.</summary>
        private static string Suggest(string name)
        {
            string? best = null;
            int bestDistance = 3;
            foreach (string candidate in s_names)
            {
                int d = Distance(name, candidate);
                if (d < bestDistance)
                {
                    bestDistance = d;
                    best = candidate;
                }
            }

            return best is null ? "" : $" Did you mean {best}?";
        }

        private static int Distance(string a, string b)
        {
            var row = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) row[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                int diagonal = row[0];
                row[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int above = row[j];
                    row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                    diagonal = above;
                }
            }

            return row[b.Length];
        }

        private static string ParseModel(string value) => value.ToLowerInvariant() switch
        {
            "simpleconvnet" or "simple" => "simpleconvnet",
            "lenet5" or "lenet-5" or "lenet" => "lenet5",
            _ => throw new OptionsException($"Unknown model '{value}'; use simpleconvnet or lenet5."),
        };

        private static string ParseChoice(string name, string value, params string[] choices)
        {
            string lower = value.ToLowerInvariant();
            foreach (string c in choices)
            {
                if (c == lower) return c;
            }

            throw new OptionsException($"{name} must be one of {string.Join(", ", choices)}; got '{value}'.");
        }

        private static int ParseInt(string name, string value, int min, int max)
        {
            if (!int.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
            {
                throw new OptionsException($"{name} needs a whole number; got '{value}'.");
            }

            if (n < min || n > max)
            {
                throw new OptionsException($"{name} must be between {min} and {max}; got {n}.");
            }

            return n;
        }

        private static float ParseLearningRate(string name, string value)
        {
            if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x))
            {
                throw new OptionsException($"{name} needs a number such as 0.001 or 1e-3; got '{value}'.");
            }

            if (x <= 0 || x > 10)
            {
                throw new OptionsException($"{name} must be greater than 0 and at most 10; got {value}.");
            }

            return x;
        }

        private static string NonEmpty(string name, string value)
            => string.IsNullOrWhiteSpace(value) ? throw new OptionsException($"{name} needs a non-empty value.") : value;

        /// <summary>The text printed by --help.</summary>
        public static string HelpText
        {
            get
            {
                var s = new StringBuilder();
                s.AppendLine("Trains a convolutional network on MNIST (or any MNIST-format data set, such as Fashion-MNIST)");
                s.AppendLine("and writes the trained model, a report and pictures.");
                s.AppendLine();
                s.AppendLine("Usage: dotnet run --project samples/LeNetSample -c Release -- [options]");
                s.AppendLine();
                s.AppendLine("Model and training:");
                s.AppendLine($"  --model NAME        simpleconvnet (default) or lenet5");
                s.AppendLine($"  --epochs N          passes over the training set (default {DefaultEpochs("simpleconvnet")} for simpleconvnet, {DefaultEpochs("lenet5")} for lenet5)");
                s.AppendLine($"  --batch N           mini-batch size (default {DefaultBatch})");
                s.AppendLine("  --optimizer NAME    sgd, momentum, nesterov, adagrad, rmsprop or adam (default adam)");
                s.AppendLine("  --lr X              initial learning rate (default 0.001 for adam and rmsprop, 0.01 for");
                s.AppendLine("                      momentum, nesterov and adagrad, 0.1 for sgd)");
                s.AppendLine("  --init NAME         default (He before ReLU, Xavier before sigmoid/tanh), he, xavier,");
                s.AppendLine("                      or std (the notes' fixed std 0.01: smoother first-layer filters)");
                s.AppendLine("  --schedule NAME     cosine (default: decays the rate to 0 over the run) or constant");
                s.AppendLine($"  --seed N            seed of the weights and of the shuffling (default {DefaultSeed})");
                s.AppendLine("  --threads N         threads per matrix product (default: all cores)");
                s.AppendLine();
                s.AppendLine("Data:");
                s.AppendLine("  --data DIR          folder with train-images-idx3-ubyte, train-labels-idx1-ubyte,");
                s.AppendLine("                      t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (raw or .gz);");
                s.AppendLine("                      a folder whose path mentions 'fashion' is read as Fashion-MNIST");
                s.AppendLine("  --cache DIR         where MNIST is downloaded when --data is not given");
                s.AppendLine("                      (default $XDG_CACHE_HOME/cnngen/mnist or ~/.cache/cnngen/mnist)");
                s.AppendLine("  --no-download       never download; fail when the cache is empty");
                s.AppendLine("  --train-limit N     train on the first N training images only (quick runs)");
                s.AppendLine("  --test-limit N      evaluate on the first N test images only");
                s.AppendLine();
                s.AppendLine("Output:");
                s.AppendLine($"  --out DIR           folder for the model and pictures (default ./{DefaultOut})");
                s.AppendLine("  --no-plots          do not draw the PNG pictures");
                s.AppendLine("  -h, --help          show this help");
                s.AppendLine();
                s.AppendLine("Exit codes: 0 success, 2 bad command line, 3 data unavailable, 1 other error.");
                return s.ToString();
            }
        }
    }
}
