using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>Reads the <c>host:port</c> endpoints of the command line and the settings (a primary silo, a gateway).</summary>
public static class ClusterEndpoint
{
    /// <summary>
    /// Parses <paramref name="hostAndPort"/> (<c>10.0.0.5:11111</c>, <c>node1:30000</c>, <c>[::1]:30000</c>); a host name is
    /// resolved now, preferring an IPv4 address.
    /// </summary>
    /// <exception cref="FormatException">Not <c>host:port</c> with a port from 1 to 65535, or the host does not resolve.</exception>
    public static IPEndPoint Parse(string hostAndPort)
    {
        ArgumentNullException.ThrowIfNull(hostAndPort);
        if (IPEndPoint.TryParse(hostAndPort, out var literal) && literal.Port != 0 && hostAndPort.Contains(':', StringComparison.Ordinal))
            return literal;
        int colon = hostAndPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostAndPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port < 1 || port > IPEndPoint.MaxPort)
            throw new FormatException($"Endpoint '{hostAndPort}' must be host:port with a port from 1 to {IPEndPoint.MaxPort}.");
        string host = hostAndPort[..colon];
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new FormatException($"Endpoint '{hostAndPort}': host '{host}' does not resolve ({e.Message}).", e);
        }
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new FormatException($"Endpoint '{hostAndPort}': host '{host}' resolves to no address.");
        return new IPEndPoint(address, port);
    }
}
