using System;
using System.Collections.Generic;
using CnnGen;
using CnnGen.Data;
using CnnGen.Plotting;

namespace LeNetSample
{
    /// <summary>The PNG pictures: filters after training, the feature maps of one test image, the training curves.</summary>
    internal static class Pictures
    {
        public static void Draw(INetwork network, Parameter? filters, MnistDataset test, IReadOnlyList<string> classNames, TrainingLoop loop,
            Func<string, string> output, List<(string Path, string What)> written)
        {
            if (filters is not null)
            {
                FilterGridPlot.Save(filters, output("filters-after.png"), $"{filters.Name} after training ({filters.ShapeText})");
                written.Add((output("filters-after.png"), "first filters, trained"));
            }

            if (test.Count > 0)
            {
                // One test image through the network; the activations of its layers stay readable until the next pass.
                const int sample = 0;
                int label = test.Labels[sample];
                bool training = network.IsTraining;
                network.IsTraining = false;
                ReadOnlySpan<float> logits = network.Forward(test.GetImage(sample));
                int predicted = 0;
                for (int c = 1; c < logits.Length; c++)
                {
                    if (logits[c] > logits[predicted]) predicted = c;
                }

                string caption = $"test image {sample}: {Name(classNames, label)}, predicted {Name(classNames, predicted)}";
                string shortCaption = $"test image {sample}, {Name(classNames, label)}";
                ImageGridPlot.Save(new[] { test.GetImage(sample).ToArray() }, test.Rows, test.Columns, output("input.png"), caption);
                written.Add((output("input.png"), "the test image of the feature maps"));

                int conv = FirstIndex(network, -1, LayerKind.Conv);
                if (conv >= 0)
                {
                    FeatureMapPlot.Save(network, conv, 0, output("feature-maps-conv1.png"), $"{network.Layers[conv].Description}: {shortCaption}");
                    written.Add((output("feature-maps-conv1.png"), $"maps after layer {conv} ({network.Layers[conv].Description})"));
                    int pool = FirstIndex(network, conv, LayerKind.MaxPool, LayerKind.AvgPool);
                    if (pool >= 0)
                    {
                        FeatureMapPlot.Save(network, pool, 0, output("feature-maps-pool1.png"), $"{network.Layers[pool].Description}: {shortCaption}");
                        written.Add((output("feature-maps-pool1.png"), $"maps after layer {pool} ({network.Layers[pool].Description})"));
                    }
                }

                network.IsTraining = training;
            }

            var testAccuracy = new List<double>();
            var trainAccuracy = new List<double>();
            foreach (EpochResult r in loop.Epochs)
            {
                testAccuracy.Add(r.TestAccuracy);
                trainAccuracy.Add(r.TrainAccuracy);
            }

            TrainingCurvesPlot.Save(loop.BatchLosses, loop.BatchesPerEpoch, testAccuracy, output("training-curves.png"), trainAccuracy,
                title: $"{network.Name}: training loss");
            written.Add((output("training-curves.png"), "loss per batch, accuracy per epoch"));
        }

        private static string Name(IReadOnlyList<string> names, int c) => c < names.Count && names[c] != c.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ? $"{c} ({names[c]})"
            : c.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The first layer after <paramref name="after"/> whose kind is one of <paramref name="kinds"/>, or -1.</summary>
        private static int FirstIndex(INetwork network, int after, params LayerKind[] kinds)
        {
            foreach (LayerInfo layer in network.Layers)
            {
                if (layer.Index > after && Array.IndexOf(kinds, layer.Kind) >= 0) return layer.Index;
            }

            return -1;
        }
    }
}
