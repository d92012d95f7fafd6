using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;

namespace CnnGen.BuildCompare
{
    /// <summary>
    /// One build of the benchmarks (its output folder: CnnGen.Benchmarks.dll, CnnGen.Runtime.dll and their dependencies),
    /// loaded into a load context of its own, so two builds of the same assemblies run side by side in one process. Its
    /// workloads are the ones the benchmarks' <c>scaling</c> mode times (<c>Scaling.Train</c> and <c>Scaling.Infer</c>),
    /// reached by reflection so that builds from before this tool existed can be compared too.
    /// </summary>
    internal sealed class BuildLoad
    {
        private readonly Assembly _benchmarks, _runtime;
        private readonly PropertyInfo _degree;

        public BuildLoad(string folder)
        {
            Folder = Path.GetFullPath(folder);
            var context = new AssemblyLoadContext(Folder, isCollectible: false);
            context.Resolving += (ctx, name) =>
            {
                string path = Path.Combine(Folder, name.Name + ".dll");
                return File.Exists(path) ? ctx.LoadFromAssemblyPath(path) : null;
            };
            _runtime = context.LoadFromAssemblyPath(Path.Combine(Folder, "CnnGen.Runtime.dll"));
            _benchmarks = context.LoadFromAssemblyPath(Path.Combine(Folder, "CnnGen.Benchmarks.dll"));
            _degree = Type(_runtime, "KernelDispatch").GetProperty("MaxDegreeOfParallelism")
                ?? throw new InvalidOperationException("KernelDispatch.MaxDegreeOfParallelism not found");
        }

        public string Folder { get; }

        /// <summary>Threads the build's kernels may use.</summary>
        public int Degree { set => _degree.SetValue(null, value); }

        /// <summary>A training step (loss, backward, SGD step) and a batch-100 inference pass of <paramref name="network"/>,
        /// on its own instance (seed 1): for SimpleConvNet the book's weights on the first 100 MNIST test images where the
        /// benchmarks find them (as <c>scaling</c> does), otherwise uniform inputs and random labels (seed 5).</summary>
        public (Action Train, Action Infer, string Data) Workloads(string network)
        {
            Type netType = Type(_benchmarks, network);
            object net = Activator.CreateInstance(netType, 1)!;
            int inputSize = (int)netType.GetField("InputSize")!.GetValue(null)!;
            int classes = (int)netType.GetField("OutputSize")!.GetValue(null)!;
            var random = new Random(5);
            float[] images = Enumerable.Range(0, 100 * inputSize).Select(_ => (float)random.NextDouble()).ToArray();
            int[] labels = Enumerable.Range(0, 100).Select(_ => random.Next(classes)).ToArray();
            string data = "random weights, uniform inputs";
            Type book = Type(_benchmarks, "BookData");
            object? found = book.GetMethod("TryLoad")!.Invoke(null, new object?[] { null });
            if (found is not null && network == "SimpleConvNet")
            {
                book.GetMethod("LoadWeights")!.Invoke(found, new[] { net });
                object test = book.GetProperty("Test")!.GetValue(found)!;
                images = ((float[])test.GetType().GetProperty("Images")!.GetValue(test)!).AsSpan(0, 100 * inputSize).ToArray();
                labels = ((int[])test.GetType().GetProperty("Labels")!.GetValue(test)!).AsSpan(0, 100).ToArray();
                data = "the book's weights on the first 100 MNIST test images";
            }

            Type scaling = Type(_benchmarks, "Scaling");
            object sgd = Activator.CreateInstance(Type(_runtime, "Sgd"), 0.001f)!;
            const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;
            var train = (Action)scaling.GetMethod("Train", Private)!.Invoke(null, new[] { net, images, labels, sgd })!;
            var infer = (Action)scaling.GetMethod("Infer", Private)!.Invoke(null, new[] { net, images.Clone() })!;
            return (train, infer, data);
        }

        private static Type Type(Assembly assembly, string name) =>
            assembly.GetTypes().FirstOrDefault(t => t.Name == name) ?? throw new InvalidOperationException($"{name} not found in {assembly.GetName().Name}");
    }
}
