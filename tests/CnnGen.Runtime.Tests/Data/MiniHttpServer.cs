using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CnnGen.Runtime.Tests.Data;

/// <summary>A minimal HTTP/1.1 server on 127.0.0.1 and a free port, serving fixed files (404 otherwise).</summary>
internal sealed class MiniHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Dictionary<string, byte[]> _files;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MiniHttpServer(Dictionary<string, byte[]> files)
    {
        _files = files;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        int port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        BaseUri = new Uri($"http://127.0.0.1:{port}/mnist/");
        _loop = Task.Run(AcceptLoop);
    }

    public Uri BaseUri { get; }

    /// <summary>The paths requested, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            NetworkStream stream = client.GetStream();
            var header = new StringBuilder();
            var one = new byte[1];
            while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(one) == 0) return;
                header.Append((char)one[0]);
            }

            string[] requestLine = header.ToString().Split("\r\n")[0].Split(' ');
            string path = requestLine[1];
            Requests.Enqueue(path);
            string name = path.StartsWith("/mnist/", StringComparison.Ordinal) ? path.Substring("/mnist/".Length) : "";
            byte[] body;
            string status;
            if (_files.TryGetValue(name, out byte[]? content))
            {
                status = "200 OK";
                body = content;
            }
            else
            {
                status = "404 Not Found";
                body = Encoding.ASCII.GetBytes("not found");
            }

            byte[] head = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {status}\r\nContent-Length: {body.Length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head);
            // Send in pieces so that the client sees several progress steps.
            for (int offset = 0; offset < body.Length; offset += 4096)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(4096, body.Length - offset)));
                await stream.FlushAsync();
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
