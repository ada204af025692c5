using System.IO.Compression;

namespace IdentityBridge.Saml.Bindings;

/// <summary>The DEFLATE encoding of SAML Bindings 3.4.4.1: raw RFC 1951 data, no zlib or gzip header.</summary>
internal static class RawDeflate
{
    public static byte[] Compress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var deflater = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
            deflater.Write(data);
        return output.ToArray();
    }

    /// <summary>
    /// Inflates at most <paramref name="maxBytes"/> bytes and stops as soon as the output would pass it, so a
    /// decompression bomb (ruby-saml CVE-2025-25293) costs at most the cap, never the whole expansion.
    /// </summary>
    public static BindingResult<byte[]> Inflate(Stream compressed, int maxBytes)
    {
        using var inflater = new DeflateStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        using var output = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                // Ask for one byte past the cap at most: enough to learn that the cap was passed.
                var read = inflater.Read(buffer, 0, (int)Math.Min(buffer.Length, maxBytes + 1L - output.Length));
                if (read == 0) break;
                output.Write(buffer, 0, read);
                if (output.Length > maxBytes)
                    return BindingResult<byte[]>.Failure(BindingCodes.TooLarge,
                        $"The message inflates to more than the {maxBytes} bytes allowed; inflating was stopped there.");
            }
        }
        catch (InvalidDataException)
        {
            return BindingResult<byte[]>.Failure(BindingCodes.InvalidDeflate, "The message is not valid raw DEFLATE data.");
        }

        if (output.Length == 0)
            return BindingResult<byte[]>.Failure(BindingCodes.InvalidDeflate, "The message inflates to nothing.");
        return BindingResult<byte[]>.Success(output.ToArray());
    }
}
