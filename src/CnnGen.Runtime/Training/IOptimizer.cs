using System.Collections.Generic;

namespace CnnGen.Training
{
    /// <summary>
    /// Updates parameter values from their gradients. An optimiser is bound to one parameter list: its state
    /// (velocities, moment estimates) is allocated once, on the first <see cref="Step"/> or at construction, and
    /// later steps allocate nothing.
    /// </summary>
    public interface IOptimizer
    {
        /// <summary>The learning rate used by the next <see cref="Step"/>; a schedule may change it between steps.</summary>
        float LearningRate { get; set; }

        /// <summary>Applies one update to every parameter's <see cref="Parameter.Values"/> using its
        /// <see cref="Parameter.Gradients"/>. The gradients are read, never written.</summary>
        /// <param name="parameters">The parameters; must be the same parameters (same instances, same order) on every call.</param>
        /// <exception cref="System.InvalidOperationException">The list differs from the one the optimiser is bound to.</exception>
        void Step(IReadOnlyList<Parameter> parameters);
    }
}
