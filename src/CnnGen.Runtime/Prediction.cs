using System;

namespace CnnGen
{
    /// <summary>The class a network predicts for one image and the probabilities of all classes.</summary>
    /// <param name="Class">The most probable class.</param>
    /// <param name="Probabilities">Softmax probabilities, one per class.</param>
    public sealed record Prediction(int Class, float[] Probabilities)
    {
        /// <summary>The probability of <see cref="Class"/>.</summary>
        public float Confidence => Probabilities.Length == 0 ? 0f : Probabilities[Class];
    }
}
