using System;
using System.IO;

namespace CnnGen.Data
{
    /// <summary>
    /// The data set is neither on disk nor downloadable (missing files, no network, a mirror that
    /// answers with an error). The message says where the data was looked for and how to get it.
    /// </summary>
    public sealed class DatasetUnavailableException : IOException
    {
        /// <summary>How to get the data, appended to the messages of this exception.</summary>
        public const string HowToGetData =
            "To get the data: run with network access so that the four MNIST .gz files can be downloaded into the cache, " +
            "or download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz " +
            "by hand into a folder and pass it with --data DIR; for Fashion-MNIST on Debian, 'apt-get install dataset-fashion-mnist' " +
            "installs the files into /usr/share/datasets/fashion-mnist.";

        /// <summary>Creates the exception.</summary>
        public DatasetUnavailableException(string message) : base(message)
        {
        }

        /// <summary>Creates the exception with the failure that caused it.</summary>
        public DatasetUnavailableException(string message, Exception? innerException) : base(message, innerException)
        {
        }
    }
}
