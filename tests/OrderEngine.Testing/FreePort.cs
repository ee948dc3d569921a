using System.Net;
using System.Net.Sockets;

namespace OrderEngine.Testing;

/// <summary>Hands out a currently free TCP port on 127.0.0.1 so tests can start servers without fixed-port clashes.</summary>
public static class FreePort
{
    /// <summary>
    /// Binds a socket to 127.0.0.1:0, reads the port the OS picked, and closes the socket.
    /// The port is free at that moment only; another process may take it before the caller binds it.
    /// </summary>
    public static int Next()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
