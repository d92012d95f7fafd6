using System;

namespace CnnGen
{
    /// <summary>
    /// Base of every layer attribute. Layers run in the order their attributes appear on one
    /// declaration of a <c>partial</c> class; the source generator checks every shape at build time.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public abstract class LayerAttribute : Attribute
    {
    }
}
