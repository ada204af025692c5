using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Metadata;

/// <summary>
/// Reads SAML 2.0 metadata: a single EntityDescriptor, or an EntitiesDescriptor from which one entity is chosen.
/// Reads Entra ID's federation metadata as published (spec/saml.md 1.8): a leading ds:Signature and WS-Federation
/// RoleDescriptors are skipped, and every signing certificate is kept. The metadata's own signature is not checked
/// here; trust comes from where the metadata was obtained.
/// </summary>
public sealed class MetadataReader(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;

    /// <summary>Reads the entity with <paramref name="entityId"/>, or the only entity when it is null.</summary>
    /// <exception cref="MetadataException">The document is refused, malformed, or does not hold exactly one such entity.</exception>
    public EntityMetadata Read(string xml, string? entityId = null)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return Read(Parse(() => SafeXml.Load(xml)), entityId);
    }

    /// <summary>Reads raw bytes in the encoding their XML declaration or byte order mark names (as fetched over HTTP).</summary>
    internal EntityMetadata Read(byte[] xml, string? entityId, int maxCharacters) =>
        Read(Parse(() => SafeXml.Load(xml, maxCharacters)), entityId);

    private static XmlDocument Parse(Func<XmlDocument> load)
    {
        try
        {
            return load();
        }
        catch (SamlXmlException e)
        {
            var (code, advice) = e.Code switch
            {
                SafeXml.TooLargeCode => (MetadataCodes.TooLarge, "Metadata for one entity is far smaller; check that the right document was given."),
                SafeXml.MalformedCode => (MetadataCodes.Malformed, "Give the metadata document exactly as the provider publishes it."),
                _ => (MetadataCodes.UnsafeXml, "Metadata never needs a DOCTYPE or processing instruction; give the document as the provider publishes it."),
            };
            throw new MetadataException(code, $"The metadata was refused: {e.Message} {advice}", e) { XmlCode = e.Code };
        }
    }

    private EntityMetadata Read(XmlDocument document, string? entityId)
    {
        var root = document.DocumentElement!;
        if (!IsMetadata(root, "EntityDescriptor") && !IsMetadata(root, "EntitiesDescriptor"))
            throw new MetadataException(MetadataCodes.UnexpectedRoot,
                $"The document's root element is '{root.LocalName}' in namespace '{root.NamespaceURI}', not a SAML 2.0 " +
                $"EntityDescriptor or EntitiesDescriptor ({SamlNames.Metadata}). Check that the URL or file is the SAML metadata.");

        var candidates = FindEntities(root);
        var matches = entityId is null
            ? candidates
            : candidates.Where(c => string.Equals(c.Element.GetAttribute("entityID"), entityId, StringComparison.Ordinal)).ToList();

        if (matches.Count == 0)
            throw new MetadataException(MetadataCodes.NoEntity, entityId is null
                ? "The metadata contains no EntityDescriptor."
                : $"The metadata has no EntityDescriptor with entityID '{entityId}'. It has: {DescribeIds(candidates)}. " +
                  "Check the entity id (for Entra ID, the Microsoft Entra Identifier https://sts.windows.net/<tenant id>/).");
        if (matches.Count > 1)
            throw new MetadataException(MetadataCodes.AmbiguousEntity, entityId is null
                ? $"The metadata contains {matches.Count} entities ({DescribeIds(matches)}). Say which entity id to use."
                : $"The metadata contains {matches.Count} EntityDescriptors with entityID '{entityId}', so which one to trust is ambiguous. " +
                  "Ask the provider to fix its metadata.");

        return ReadEntity(matches[0]);
    }

    private sealed record Candidate(XmlElement Element, DateTimeOffset? ValidUntil, TimeSpan? CacheDuration);

    // Iterative rather than recursive: nesting depth is chosen by whoever wrote the document.
    private static List<Candidate> FindEntities(XmlElement root)
    {
        var found = new List<Candidate>();
        var pending = new Stack<(XmlElement Element, DateTimeOffset? ValidUntil, TimeSpan? CacheDuration)>();
        pending.Push((root, null, null));
        while (pending.Count > 0)
        {
            var (element, inheritedValidUntil, inheritedCache) = pending.Pop();
            var validUntil = Earliest(inheritedValidUntil, ReadDateTime(element, "validUntil"));
            var cacheDuration = Shortest(inheritedCache, ReadDuration(element, "cacheDuration"));
            if (IsMetadata(element, "EntityDescriptor"))
            {
                found.Add(new Candidate(element, validUntil, cacheDuration));
                continue;
            }
            foreach (var child in Children(element).Reverse())
                if (IsMetadata(child, "EntityDescriptor") || IsMetadata(child, "EntitiesDescriptor"))
                    pending.Push((child, validUntil, cacheDuration));
        }
        return found;
    }

    private EntityMetadata ReadEntity(Candidate candidate)
    {
        var entity = candidate.Element;
        var entityId = entity.GetAttribute("entityID");
        if (string.IsNullOrWhiteSpace(entityId))
            throw new MetadataException(MetadataCodes.Malformed, "The EntityDescriptor has no entityID attribute, which every SAML entity must have.");

        // Only roles for SAML 2.0 count: Entra's RoleDescriptors (WS-Federation) and SAML 1.1-only roles describe
        // keys and endpoints for other protocols.
        var identityProviders = Children(entity).Where(e => IsMetadata(e, "IDPSSODescriptor") && SupportsSaml2(e)).ToList();
        var serviceProviders = Children(entity).Where(e => IsMetadata(e, "SPSSODescriptor") && SupportsSaml2(e)).ToList();
        // Two roles of one kind would mean two sets of trusted keys with nothing to choose between them.
        if (identityProviders.Count > 1 || serviceProviders.Count > 1)
            throw new MetadataException(MetadataCodes.AmbiguousRole,
                $"The entity '{entityId}' has more than one {(identityProviders.Count > 1 ? "IDPSSODescriptor" : "SPSSODescriptor")} supporting SAML 2.0. " +
                "Ask the provider for metadata with one.");

        return new EntityMetadata
        {
            EntityId = entityId,
            ValidUntil = candidate.ValidUntil,
            IsExpired = candidate.ValidUntil is { } until && until <= time.GetUtcNow(),
            CacheDuration = candidate.CacheDuration,
            IdentityProvider = identityProviders.Count == 1 ? ReadIdentityProvider(identityProviders[0]) : null,
            ServiceProvider = serviceProviders.Count == 1 ? ReadServiceProvider(serviceProviders[0]) : null,
        };
    }

    private static IdentityProviderRole ReadIdentityProvider(XmlElement role)
    {
        var (signing, encryption) = ReadKeys(role);
        return new IdentityProviderRole
        {
            SigningCertificates = signing,
            EncryptionCertificates = encryption,
            SingleLogoutServices = ReadEndpoints(role, "SingleLogoutService"),
            NameIdFormats = ReadNameIdFormats(role),
            SingleSignOnServices = ReadEndpoints(role, "SingleSignOnService"),
            WantAuthnRequestsSigned = ReadBoolean(role, "WantAuthnRequestsSigned") ?? false,
        };
    }

    private static ServiceProviderRole ReadServiceProvider(XmlElement role)
    {
        var (signing, encryption) = ReadKeys(role);
        return new ServiceProviderRole
        {
            SigningCertificates = signing,
            EncryptionCertificates = encryption,
            SingleLogoutServices = ReadEndpoints(role, "SingleLogoutService"),
            NameIdFormats = ReadNameIdFormats(role),
            AssertionConsumerServices = Children(role).Where(e => IsMetadata(e, "AssertionConsumerService")).Select(ReadIndexedEndpoint).ToList(),
            AuthnRequestsSigned = ReadBoolean(role, "AuthnRequestsSigned") ?? false,
            WantAssertionsSigned = ReadBoolean(role, "WantAssertionsSigned") ?? false,
        };
    }

    private static bool SupportsSaml2(XmlElement role) =>
        role.GetAttribute("protocolSupportEnumeration")
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Contains(SamlNames.Protocol, StringComparer.Ordinal);

    private static (List<X509Certificate2> Signing, List<X509Certificate2> Encryption) ReadKeys(XmlElement role)
    {
        var signing = new List<X509Certificate2>();
        var encryption = new List<X509Certificate2>();
        var number = 0;
        foreach (var descriptor in Children(role).Where(e => IsMetadata(e, "KeyDescriptor")))
        {
            number++;
            var use = descriptor.HasAttribute("use") ? descriptor.GetAttribute("use").Trim() : null;
            var where = $"KeyDescriptor {number}{(use is null ? "" : $" (use=\"{use}\")")} of the {role.LocalName}";
            if (use is not (null or "signing" or "encryption"))
                throw new MetadataException(MetadataCodes.Malformed,
                    $"{where} has use=\"{use}\"; SAML metadata allows only \"signing\" or \"encryption\" (or no use, meaning both).");
            var certificate = ReadCertificate(descriptor, where);
            if (use is null or "signing") signing.Add(certificate);
            if (use is null or "encryption") encryption.Add(certificate);
        }
        return (signing, encryption);
    }

    private static X509Certificate2 ReadCertificate(XmlElement descriptor, string where)
    {
        var values = Children(descriptor).Where(e => IsDSig(e, "KeyInfo"))
            .SelectMany(Children).Where(e => IsDSig(e, "X509Data"))
            .SelectMany(Children).Where(e => IsDSig(e, "X509Certificate"))
            .ToList();
        if (values.Count == 0)
            throw new MetadataException(MetadataCodes.BadCertificate,
                $"{where} has no ds:KeyInfo/ds:X509Data/ds:X509Certificate. Keys are trusted by certificate; ask the provider for metadata that includes it.");

        var certificates = new List<X509Certificate2>();
        foreach (var value in values)
        {
            // Metadata wraps base64 at any width and indents it; every kind of whitespace is layout, not data.
            var text = string.Concat(value.InnerText.Where(c => !char.IsWhiteSpace(c)));
            byte[] der;
            try
            {
                der = Convert.FromBase64String(text);
            }
            catch (FormatException e)
            {
                throw new MetadataException(MetadataCodes.BadCertificate, $"The certificate in {where} is not valid base64. Copy the certificate again from the provider.", e);
            }
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(der));
            }
            catch (CryptographicException e)
            {
                throw new MetadataException(MetadataCodes.BadCertificate, $"The certificate in {where} is not a valid X.509 certificate ({e.Message}). Copy the certificate again from the provider.", e);
            }
        }
        return certificates.Count == 1 ? certificates[0] : EndEntity(certificates, where);
    }

    // An X509Data may carry the certificate's chain as well (XML-DSig 4.4.4). Only the end-entity certificate holds
    // the key the descriptor describes; trusting the chain's CA certificates as signers would let anything their
    // keys sign pass as the provider.
    private static X509Certificate2 EndEntity(List<X509Certificate2> certificates, string where)
    {
        var ends = certificates
            .Where(c => !certificates.Any(other => !ReferenceEquals(other, c) && other.IssuerName.RawData.AsSpan().SequenceEqual(c.SubjectName.RawData)))
            .ToList();
        if (ends.Count == 1)
            return ends[0];
        throw new MetadataException(MetadataCodes.BadCertificate,
            $"{where} holds {certificates.Count} certificates that are not one certificate and its chain, so which key it describes is unclear. " +
            "Ask the provider for one KeyDescriptor per key.");
    }

    private static List<Endpoint> ReadEndpoints(XmlElement role, string name) =>
        Children(role).Where(e => IsMetadata(e, name)).Select(e => new Endpoint
        {
            Binding = RequiredAttribute(e, "Binding"),
            Location = Url(e, "Location", RequiredAttribute(e, "Location")),
            ResponseLocation = e.HasAttribute("ResponseLocation") ? Url(e, "ResponseLocation", e.GetAttribute("ResponseLocation")) : null,
        }).ToList();

    private static IndexedEndpoint ReadIndexedEndpoint(XmlElement element)
    {
        var indexText = RequiredAttribute(element, "index");
        if (!ushort.TryParse(indexText.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            throw new MetadataException(MetadataCodes.Malformed, $"An {element.LocalName} has index=\"{indexText}\"; it must be a number from 0 to 65535.");
        return new IndexedEndpoint
        {
            Binding = RequiredAttribute(element, "Binding"),
            Location = Url(element, "Location", RequiredAttribute(element, "Location")),
            Index = index,
            IsDefault = ReadBoolean(element, "isDefault"),
        };
    }

    // Endpoint URLs end up as redirect targets and form actions in a browser: a javascript: or data: URL here would
    // run script in the user's session, and a relative one would be resolved against our own host.
    private static string Url(XmlElement element, string attribute, string value)
    {
        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            return value.Trim();
        throw new MetadataException(MetadataCodes.BadEndpoint,
            $"The {element.LocalName} {attribute} '{value}' is not an absolute http or https URL. Ask the provider to correct its metadata.");
    }

    private static List<string> ReadNameIdFormats(XmlElement role) =>
        Children(role).Where(e => IsMetadata(e, "NameIDFormat")).Select(e => e.InnerText.Trim()).Where(f => f.Length > 0).ToList();

    private static string RequiredAttribute(XmlElement element, string name)
    {
        var value = element.GetAttribute(name);
        if (string.IsNullOrWhiteSpace(value))
            throw new MetadataException(MetadataCodes.Malformed, $"An {element.LocalName} has no {name} attribute, which SAML metadata requires.");
        return value;
    }

    private static bool? ReadBoolean(XmlElement element, string name)
    {
        if (!element.HasAttribute(name)) return null;
        var value = element.GetAttribute(name);
        try
        {
            return XmlConvert.ToBoolean(value);
        }
        catch (FormatException e)
        {
            throw new MetadataException(MetadataCodes.Malformed, $"The {element.LocalName} has {name}=\"{value}\"; it must be true or false.", e);
        }
    }

    private static DateTimeOffset? ReadDateTime(XmlElement element, string name)
    {
        if (!element.HasAttribute(name)) return null;
        var value = element.GetAttribute(name);
        try
        {
            return XmlConvert.ToDateTimeOffset(value);
        }
        // Out-of-range values (year 1 at +14:00) surface as ArgumentOutOfRangeException.
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new MetadataException(MetadataCodes.Malformed, $"The {element.LocalName} has {name}=\"{value}\", which is not an XML date and time such as 2026-01-31T00:00:00Z.", e);
        }
    }

    private static TimeSpan? ReadDuration(XmlElement element, string name)
    {
        if (!element.HasAttribute(name)) return null;
        var value = element.GetAttribute(name);
        try
        {
            return XmlConvert.ToTimeSpan(value);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new MetadataException(MetadataCodes.Malformed, $"The {element.LocalName} has {name}=\"{value}\", which is not an XML duration such as PT1H.", e);
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);

    private static TimeSpan? Shortest(TimeSpan? a, TimeSpan? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);

    private static string DescribeIds(IReadOnlyList<Candidate> candidates)
    {
        if (candidates.Count == 0) return "no entities";
        var ids = candidates.Take(5).Select(c => $"'{c.Element.GetAttribute("entityID")}'");
        return string.Join(", ", ids) + (candidates.Count > 5 ? $" and {candidates.Count - 5} more" : "");
    }

    private static IEnumerable<XmlElement> Children(XmlElement element) => element.ChildNodes.OfType<XmlElement>();

    private static bool IsMetadata(XmlElement element, string localName) =>
        element.LocalName == localName && element.NamespaceURI == SamlNames.Metadata;

    private static bool IsDSig(XmlElement element, string localName) =>
        element.LocalName == localName && element.NamespaceURI == SamlNames.DSig;
}
