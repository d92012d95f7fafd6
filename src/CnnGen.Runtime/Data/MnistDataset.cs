using System;
using System.Collections.Generic;
using System.IO;

namespace CnnGen.Data
{
    /// <summary>Which labels an MNIST-format data set carries.</summary>
    public enum MnistKind
    {
        /// <summary>Handwritten digits 0-9 (MNIST).</summary>
        Digits,
        /// <summary>Zalando's Fashion-MNIST clothing classes.</summary>
        Fashion,
    }

    /// <summary>
    /// One split of an MNIST-format data set held in memory: the images as one NCHW <c>float[]</c>
    /// (<c>N x 1 x Rows x Columns</c>, pixels in [0, 1]) and the labels as <c>int[]</c>.
    /// </summary>
    public sealed class MnistDataset
    {
        /// <summary>Class names of the digits data set.</summary>
        public static readonly IReadOnlyList<string> DigitClassNames = new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

        /// <summary>Class names of Fashion-MNIST.</summary>
        public static readonly IReadOnlyList<string> FashionClassNames = new[]
        {
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        };

        /// <summary>Base names of the training images and labels, and of the test images and labels.</summary>
        public const string TrainImagesName = "train-images-idx3-ubyte", TrainLabelsName = "train-labels-idx1-ubyte",
            TestImagesName = "t10k-images-idx3-ubyte", TestLabelsName = "t10k-labels-idx1-ubyte";

        /// <summary>Creates a data set from images (<c>count x rows x columns</c> floats) and labels.</summary>
        public MnistDataset(float[] images, int[] labels, int rows, int columns, MnistKind kind = MnistKind.Digits)
        {
            ArgumentNullException.ThrowIfNull(images);
            ArgumentNullException.ThrowIfNull(labels);
            if (rows < 1 || columns < 1) throw new ArgumentException($"The image size must be at least 1x1, got {rows}x{columns}.");
            if ((long)labels.Length * rows * columns != images.Length)
            {
                throw new ArgumentException($"{labels.Length} labels need {(long)labels.Length * rows * columns} pixels of {rows}x{columns}, got {images.Length}.", nameof(images));
            }

            Images = images;
            Labels = labels;
            Rows = rows;
            Columns = columns;
            Kind = kind;
        }

        /// <summary>All images, NCHW with one channel, pixels in [0, 1].</summary>
        public float[] Images { get; }

        /// <summary>The class of each image.</summary>
        public int[] Labels { get; }

        /// <summary>Number of samples.</summary>
        public int Count => Labels.Length;

        /// <summary>Pixel rows per image.</summary>
        public int Rows { get; }

        /// <summary>Pixel columns per image.</summary>
        public int Columns { get; }

        /// <summary>Floats per sample (<c>Rows * Columns</c>).</summary>
        public int SampleSize => Rows * Columns;

        /// <summary>The shape of one sample, <c>1 x Rows x Columns</c>.</summary>
        public TensorShape SampleShape => new TensorShape(1, Rows, Columns);

        /// <summary>Digits or Fashion-MNIST.</summary>
        public MnistKind Kind { get; }

        /// <summary>The names of the ten classes.</summary>
        public IReadOnlyList<string> ClassNames => Kind == MnistKind.Fashion ? FashionClassNames : DigitClassNames;

        /// <summary>The pixels of sample <paramref name="index"/>.</summary>
        public ReadOnlySpan<float> GetImage(int index)
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The data set has {Count} samples.");
            return Images.AsSpan(index * SampleSize, SampleSize);
        }

        /// <summary>A copy of the first <paramref name="count"/> samples.</summary>
        public MnistDataset Subset(int count) => Subset(0, count);

        /// <summary>A copy of <paramref name="count"/> samples starting at <paramref name="start"/>.</summary>
        public MnistDataset Subset(int start, int count)
        {
            if (start < 0 || count < 0 || start > Count - count)
            {
                throw new ArgumentOutOfRangeException(nameof(count), $"Samples {start}..{(long)start + count - 1} are outside the {Count} samples of the data set.");
            }

            return new MnistDataset(
                Images.AsSpan(start * SampleSize, count * SampleSize).ToArray(),
                Labels.AsSpan(start, count).ToArray(),
                Rows,
                Columns,
                Kind);
        }

        /// <summary>Reads an image file and its label file (each raw or gzip) and checks that they agree.</summary>
        public static MnistDataset FromFiles(string imagesPath, string labelsPath, MnistKind kind = MnistKind.Digits)
        {
            IdxImages images = IdxReader.ReadImages(imagesPath);
            byte[] labelBytes = IdxReader.ReadLabels(labelsPath);
            if (images.Count != labelBytes.Length)
            {
                throw new InvalidDataException(
                    $"IDX files '{imagesPath}' and '{labelsPath}' do not match: {images.Count} images but {labelBytes.Length} labels.");
            }

            var labels = new int[labelBytes.Length];
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = labelBytes[i];
            }

            return new MnistDataset(images.Pixels, labels, images.Rows, images.Columns, kind);
        }

        /// <summary>Loads the training split (<c>train-*</c> files) from <paramref name="directory"/>.</summary>
        public static MnistDataset LoadTrain(string directory, MnistKind? kind = null)
            => FromFiles(FindFile(directory, TrainImagesName), FindFile(directory, TrainLabelsName), kind ?? GuessKind(directory));

        /// <summary>Loads the test split (<c>t10k-*</c> files) from <paramref name="directory"/>.</summary>
        public static MnistDataset LoadTest(string directory, MnistKind? kind = null)
            => FromFiles(FindFile(directory, TestImagesName), FindFile(directory, TestLabelsName), kind ?? GuessKind(directory));

        /// <summary>Fashion-MNIST when the folder's path mentions "fashion", digits otherwise.</summary>
        public static MnistKind GuessKind(string directory)
            => directory.Contains("fashion", StringComparison.OrdinalIgnoreCase) ? MnistKind.Fashion : MnistKind.Digits;

        /// <summary>
        /// The path of <paramref name="baseName"/> in <paramref name="directory"/>: the raw file, or with
        /// <c>.gz</c>, or the variant spelled with a dot (<c>train-images.idx3-ubyte</c>). Throws a
        /// <see cref="DatasetUnavailableException"/> listing what was tried when none exists.
        /// </summary>
        public static string FindFile(string directory, string baseName)
        {
            ArgumentNullException.ThrowIfNull(directory);
            ArgumentNullException.ThrowIfNull(baseName);
            string dotted = baseName.Replace("-idx", ".idx", StringComparison.Ordinal);
            string[] candidates = { baseName + ".gz", baseName, dotted + ".gz", dotted };
            foreach (string c in candidates)
            {
                string p = Path.Combine(directory, c);
                if (File.Exists(p)) return p;
            }

            throw new DatasetUnavailableException(
                $"MNIST file '{baseName}' not found in '{Path.GetFullPath(directory)}' (tried {string.Join(", ", candidates)}). " +
                DatasetUnavailableException.HowToGetData);
        }
    }

    /// <summary>Both splits of an MNIST-format data set.</summary>
    public sealed class MnistData
    {
        /// <summary>Creates the pair.</summary>
        public MnistData(MnistDataset train, MnistDataset test)
        {
            Train = train ?? throw new ArgumentNullException(nameof(train));
            Test = test ?? throw new ArgumentNullException(nameof(test));
        }

        /// <summary>The training split (60 000 samples for MNIST).</summary>
        public MnistDataset Train { get; }

        /// <summary>The test split (10 000 samples for MNIST).</summary>
        public MnistDataset Test { get; }

        /// <summary>
        /// Loads both splits from <paramref name="directory"/>, which holds
        /// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and
        /// <c>t10k-labels-idx1-ubyte</c>, each raw or with <c>.gz</c>.
        /// </summary>
        public static MnistData Load(string directory, MnistKind? kind = null)
            => new MnistData(MnistDataset.LoadTrain(directory, kind), MnistDataset.LoadTest(directory, kind));
    }
}
