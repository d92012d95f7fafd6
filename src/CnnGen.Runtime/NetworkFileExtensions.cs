using CnnGen.Serialization;

namespace CnnGen
{
    /// <summary>
    /// Save and load for every generated network (<c>net.Save(path)</c>, <c>net.LoadNpz(path)</c>, ...),
    /// in CnnGen's own checked format or as NumPy <c>.npz</c> with the notes' names and layouts.
    /// </summary>
    public static class NetworkFileExtensions
    {
        /// <summary>Saves parameters and state atomically in CnnGen's versioned, checksummed format.</summary>
        public static void Save(this INetwork network, string path) => NetworkFile.Save(network, path);

        /// <summary>Loads a file written by <see cref="Save"/> for the same network; throws, leaving the network untouched, when it does not fit.</summary>
        public static void Load(this INetwork network, string path) => NetworkFile.Load(network, path);

        /// <summary>Saves the parameters as a NumPy <c>.npz</c> with keys <c>W1, b1, ...</c> in the notes' layouts.</summary>
        public static void SaveNpz(this INetwork network, string path) => Npz.Save(network, path);

        /// <summary>Loads a NumPy <c>.npz</c> (for example from the notes' Python SimpleConvNet via <c>np.savez</c>).</summary>
        public static void LoadNpz(this INetwork network, string path) => Npz.Load(network, path);
    }
}
