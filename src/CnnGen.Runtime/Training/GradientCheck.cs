using System;
using System.Collections.Generic;
using CnnGen.Kernels;

namespace CnnGen.Training
{
    /// <summary>
    /// Compares back-propagated gradients with central differences, as the notes' <c>numerical_gradient</c>:
    /// <c>(L(w + h) - L(w - h)) / 2h</c> for each checked element, with the loss computed by <see cref="INetwork.Loss"/>.
    /// </summary>
    /// <remarks>
    /// <para>The check is only meaningful when the forward pass is deterministic: two evaluations of the loss at the
    /// same parameters must give the same value. Dropout breaks this unless it is disabled, or unless
    /// <see cref="GradientCheckOptions.NetworkSeed"/> is set so every evaluation draws the same mask. Batch normalisation
    /// in training mode is deterministic (it uses the batch statistics), and its running averages are restored
    /// afterwards. <see cref="Run"/> evaluates the loss twice before starting and throws if the two values differ.</para>
    /// <para>The network is used in whatever mode it is in (<see cref="INetwork.IsTraining"/> is not changed).
    /// Afterwards every parameter value and state buffer holds exactly its original bits, the gradients hold the analytic
    /// gradients, and the last forward pass is the one at the original parameters.</para>
    /// <para>Costs two forward passes per checked element; use <see cref="GradientCheckOptions.MaxElementsPerParameter"/> on
    /// large networks.</para>
    /// </remarks>
    public static class GradientCheck
    {
        /// <summary>Runs the check on one batch.</summary>
        /// <param name="network">The network.</param>
        /// <param name="input">A batch of inputs, <c>batch x InputSize</c>.</param>
        /// <param name="labels">The batch's labels.</param>
        /// <param name="options">Settings, or <c>null</c> for the defaults.</param>
        /// <returns>The per-parameter report.</returns>
        /// <exception cref="InvalidOperationException">The loss is not deterministic, or not finite.</exception>
        public static GradientCheckReport Run(INetwork network, ReadOnlySpan<float> input, ReadOnlySpan<int> labels, GradientCheckOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(network);
            options ??= new GradientCheckOptions();
            IReadOnlyList<Parameter> parameters = network.Parameters;
            IReadOnlyList<StateBuffer> states = network.States;
            float[][] savedStates = new float[states.Count][];
            for (int s = 0; s < savedStates.Length; s++) savedStates[s] = (float[])states[s].Values.Clone();

            float[][] analytic = new float[parameters.Count][];
            var results = new ParameterGradientCheck[parameters.Count];
            float loss;
            try
            {
                loss = Evaluate(network, input, labels, options);
                float again = Evaluate(network, input, labels, options);
                if (!float.IsFinite(loss)) throw new InvalidOperationException($"The loss is not finite ({loss}); the gradient check needs a finite loss.");
                if (BitConverter.SingleToInt32Bits(loss) != BitConverter.SingleToInt32Bits(again))
                {
                    throw new InvalidOperationException(
                        $"Two evaluations of the loss at the same parameters differ ({loss:R} vs {again:R}): the forward pass is not deterministic. " +
                        "Disable dropout, or set GradientCheckOptions.NetworkSeed so every evaluation draws the same dropout mask.");
                }

                Evaluate(network, input, labels, options);
                network.Backward();
                for (int i = 0; i < analytic.Length; i++) analytic[i] = (float[])parameters[i].Gradients.Clone();

                for (int i = 0; i < parameters.Count; i++)
                {
                    results[i] = CheckParameter(network, parameters[i], i, analytic[i], input, labels, options);
                }
            }
            finally
            {
                for (int s = 0; s < savedStates.Length; s++) savedStates[s].AsSpan().CopyTo(states[s].Values);
            }

            // Leave the network as after Loss + Backward at the original parameters.
            Evaluate(network, input, labels, options);
            for (int s = 0; s < savedStates.Length; s++) savedStates[s].AsSpan().CopyTo(states[s].Values);
            for (int i = 0; i < analytic.Length; i++) analytic[i].AsSpan().CopyTo(parameters[i].Gradients);
            return new GradientCheckReport(results, options.Step, loss);
        }

        private static ParameterGradientCheck CheckParameter(INetwork network, Parameter p, int position, float[] analytic,
            ReadOnlySpan<float> input, ReadOnlySpan<int> labels, GradientCheckOptions options)
        {
            int[] indices = SampleIndices(p.Length, options.MaxElementsPerParameter, options.SampleSeed, position);
            float[] values = p.Values;
            float h = options.Step;
            double maxAbs = 0, maxRel = 0, analyticAtWorst = 0, numericalAtWorst = 0;
            int worst = -1;
            foreach (int k in indices)
            {
                float original = values[k];
                float plus = original + h;
                float minus = original - h;
                float lossPlus, lossMinus;
                try
                {
                    values[k] = plus;
                    lossPlus = Evaluate(network, input, labels, options);
                    values[k] = minus;
                    lossMinus = Evaluate(network, input, labels, options);
                }
                finally
                {
                    values[k] = original;
                }

                // w + h and w - h are rounded to float32, so divide by the step actually taken rather than by 2h.
                double numerical = ((double)lossPlus - lossMinus) / ((double)plus - minus);
                double a = analytic[k];
                double abs = Math.Abs(a - numerical);
                double rel = abs / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numerical)), options.RelativeDifferenceFloor);
                if (double.IsNaN(rel)) rel = double.PositiveInfinity;
                if (double.IsNaN(abs)) abs = double.PositiveInfinity;
                maxAbs = Math.Max(maxAbs, abs);
                if (worst < 0 || rel > maxRel)
                {
                    maxRel = rel;
                    worst = k;
                    analyticAtWorst = a;
                    numericalAtWorst = numerical;
                }
            }

            return new ParameterGradientCheck(p.Name, p.ShapeText, p.Length, indices.Length, maxAbs, maxRel, worst, analyticAtWorst, numericalAtWorst);
        }

        /// <summary>All indices, or a sorted deterministic sample of <paramref name="max"/> distinct ones.</summary>
        private static int[] SampleIndices(int length, int? max, int seed, int position)
        {
            int[] all = new int[length];
            for (int i = 0; i < length; i++) all[i] = i;
            if (max is null || max.Value >= length) return all;

            int n = max.Value;
            var random = new SplitMix64(((ulong)(uint)seed << 32) ^ (ulong)(uint)position ^ 0xD1B54A32D192ED03UL);
            for (int i = 0; i < n; i++)
            {
                int j = i + random.NextInt(length - i);
                (all[i], all[j]) = (all[j], all[i]);
            }

            int[] sample = all.AsSpan(0, n).ToArray();
            Array.Sort(sample);
            return sample;
        }

        private static float Evaluate(INetwork network, ReadOnlySpan<float> input, ReadOnlySpan<int> labels, GradientCheckOptions options)
        {
            if (options.NetworkSeed is int seed) network.SetSeed(seed);
            return network.Loss(input, labels);
        }
    }
}
