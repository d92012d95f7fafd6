using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace CnnGen.Data
{
    /// <summary>Progress of a download, for a progress bar.</summary>
    /// <param name="FileName">The file being downloaded.</param>
    /// <param name="FileIndex">Its position among the files to download, from 0.</param>
    /// <param name="FileCount">Number of files to download.</param>
    /// <param name="BytesReceived">Bytes of this file received so far.</param>
    /// <param name="TotalBytes">The file's size, when the server told it.</param>
    public readonly record struct DownloadProgress(string FileName, int FileIndex, int FileCount, long BytesReceived, long? TotalBytes)
    {
        /// <summary>The fraction of this file received, in [0, 1], when its size is known.</summary>
        public double? Fraction => TotalBytes is > 0 ? (double)BytesReceived / TotalBytes.Value : null;
    }

    /// <summary>One of the four official MNIST files with its published size and checksums.</summary>
    /// <param name="FileName">Name of the gzip file.</param>
    /// <param name="Bytes">Its size in bytes.</param>
    /// <param name="Sha256">Its SHA-256, lower-case hex.</param>
    /// <param name="Md5">Its MD5, lower-case hex.</param>
    public sealed record MnistFile(string FileName, long Bytes, string Sha256, string Md5);

    /// <summary>
    /// Downloads the four MNIST files into a cache folder, once: files already present are kept,
    /// new ones are written to a temporary file and renamed when complete, and files from the default
    /// mirror are checked against the official checksums.
    /// </summary>
    public static class MnistDownloader
    {
        /// <summary>The default mirror of the official MNIST files.</summary>
        public static readonly Uri DefaultBaseUri = new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/");

        /// <summary>The official files with their published sizes and checksums.</summary>
        public static readonly IReadOnlyList<MnistFile> OfficialFiles = new[]
        {
            new MnistFile("train-images-idx3-ubyte.gz", 9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            new MnistFile("train-labels-idx1-ubyte.gz", 28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "d53e105ee54ea40749a09fcbcd1e9432"),
            new MnistFile("t10k-images-idx3-ubyte.gz", 1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "9fb629c4189551a2d022fa330f9573f3"),
            new MnistFile("t10k-labels-idx1-ubyte.gz", 4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "ec29112dd5afa0611ce80d1b7f02629c"),
        };

        /// <summary>
        /// Makes sure the four MNIST <c>.gz</c> files are in <paramref name="cacheDirectory"/>, downloading
        /// the missing ones from <paramref name="baseUri"/> (default <see cref="DefaultBaseUri"/>), and returns the folder.
        /// </summary>
        /// <param name="cacheDirectory">Folder to keep the files in; created when missing.</param>
        /// <param name="progress">Receives bytes received and the total for each file.</param>
        /// <param name="cancellationToken">Cancels the download; the partial file is removed.</param>
        /// <param name="baseUri">The mirror; the file names are appended to it.</param>
        /// <param name="verifyChecksums">Check the official SHA-256 of each downloaded file; by default only for <see cref="DefaultBaseUri"/>.</param>
        /// <param name="httpClient">The client to use; a new one by default.</param>
        /// <exception cref="DatasetUnavailableException">The mirror cannot be reached or answers with an error.</exception>
        /// <exception cref="InvalidDataException">A downloaded file does not have its official checksum.</exception>
        public static async Task<string> EnsureAsync(
            string cacheDirectory,
            IProgress<DownloadProgress>? progress = null,
            CancellationToken cancellationToken = default,
            Uri? baseUri = null,
            bool? verifyChecksums = null,
            HttpClient? httpClient = null)
        {
            ArgumentNullException.ThrowIfNull(cacheDirectory);
            baseUri ??= DefaultBaseUri;
            if (!baseUri.AbsoluteUri.EndsWith('/')) baseUri = new Uri(baseUri.AbsoluteUri + "/");
            bool verify = verifyChecksums ?? baseUri == DefaultBaseUri;
            Directory.CreateDirectory(cacheDirectory);

            var missing = new List<MnistFile>();
            foreach (MnistFile f in OfficialFiles)
            {
                if (!File.Exists(Path.Combine(cacheDirectory, f.FileName))) missing.Add(f);
            }

            if (missing.Count == 0) return cacheDirectory;

            HttpClient client = httpClient ?? new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            try
            {
                for (int i = 0; i < missing.Count; i++)
                {
                    await DownloadOneAsync(client, new Uri(baseUri, missing[i].FileName), cacheDirectory, missing[i], verify, i, missing.Count, progress, cancellationToken)
                        .ConfigureAwait(false);
                }
            }
            finally
            {
                if (httpClient is null) client.Dispose();
            }

            return cacheDirectory;
        }

        private static async Task DownloadOneAsync(
            HttpClient client, Uri uri, string directory, MnistFile file, bool verify, int index, int count,
            IProgress<DownloadProgress>? progress, CancellationToken ct)
        {
            string target = Path.Combine(directory, file.FileName);
            string temp = Path.Combine(directory, "." + file.FileName + "." + Guid.NewGuid().ToString("N") + ".part");
            try
            {
                HttpResponseMessage response;
                try
                {
                    response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    throw new DatasetUnavailableException($"Cannot download '{uri}': {e.Message}. " + DatasetUnavailableException.HowToGetData, e);
                }
                catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
                {
                    throw new DatasetUnavailableException($"Downloading '{uri}' timed out. " + DatasetUnavailableException.HowToGetData, e);
                }

                using (response)
                {
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        throw new DatasetUnavailableException(
                            $"Cannot download '{uri}': the server answered {(int)response.StatusCode} {response.ReasonPhrase}. " + DatasetUnavailableException.HowToGetData);
                    }

                    long? total = response.Content.Headers.ContentLength;
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    long received = 0;
                    progress?.Report(new DownloadProgress(file.FileName, index, count, 0, total));
                    using (Stream body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
                    using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    {
                        byte[] buffer = new byte[1 << 16];
                        int n;
                        try
                        {
                            while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                            {
                                hash.AppendData(buffer, 0, n);
                                await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                                received += n;
                                progress?.Report(new DownloadProgress(file.FileName, index, count, received, total));
                            }
                        }
                        catch (IOException e)
                        {
                            throw new DatasetUnavailableException($"The download of '{uri}' broke off after {received} bytes: {e.Message}. " + DatasetUnavailableException.HowToGetData, e);
                        }

                        await output.FlushAsync(ct).ConfigureAwait(false);
                    }

                    if (total is long t && received != t)
                    {
                        throw new DatasetUnavailableException($"The download of '{uri}' broke off: {received} of {t} bytes received. " + DatasetUnavailableException.HowToGetData);
                    }

                    if (verify)
                    {
                        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                        if (actual != file.Sha256)
                        {
                            throw new InvalidDataException(
                                $"'{uri}' is not the official {file.FileName}: expected SHA-256 {file.Sha256} ({file.Bytes} bytes), got {actual} ({received} bytes).");
                        }
                    }
                }

                File.Move(temp, target, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
    }
}
