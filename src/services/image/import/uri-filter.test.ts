import { describe, expect, it } from 'vitest';
import { importUriAllowed, type ImportUriFilter } from './uri-filter.ts';

const base: ImportUriFilter = {
  allowedSchemes: ['http', 'https'],
  allowedHosts: [],
  disallowedHosts: [],
  allowedPorts: ['80', '443'],
};

describe('web-download URI filter', () => {
  it('allows http and https on the default ports of any host by default', () => {
    expect(importUriAllowed('http://images.example/a.img', base)).toBe(true);
    expect(importUriAllowed('https://images.example:443/a.img', base)).toBe(true);
    expect(importUriAllowed('HTTP://Images.Example/a.img', base)).toBe(true);
  });

  it('refuses other schemes, other ports and what is not a URL', () => {
    for (const uri of [
      'ftp://images.example/a',
      'file:///etc/passwd',
      'http://images.example:8080/a',
      'https://images.example:8443/a',
      'nonsense',
      '',
      undefined,
      42,
    ]) {
      expect(importUriAllowed(uri, base), String(uri)).toBe(false);
    }
  });

  it('checks the scheme default port when none is given, and takes any port with an empty list', () => {
    expect(importUriAllowed('http://h/a', { ...base, allowedPorts: ['8080'] })).toBe(false);
    expect(importUriAllowed('http://h:8080/a', { ...base, allowedPorts: ['8080'] })).toBe(true);
    expect(importUriAllowed('http://h:8081/a', { ...base, allowedPorts: [] })).toBe(true);
  });

  it('uses the allowed hosts when given, and the disallowed ones only otherwise', () => {
    const allowed = {
      ...base,
      allowedHosts: ['mirror.example', '::1'],
      disallowedHosts: ['mirror.example'],
    };
    expect(importUriAllowed('http://mirror.example/a', allowed)).toBe(true);
    expect(importUriAllowed('http://[::1]/a', allowed)).toBe(true);
    expect(importUriAllowed('http://other.example/a', allowed)).toBe(false);
    const denied = { ...base, disallowedHosts: ['169.254.169.254', 'Metadata.Example'] };
    expect(importUriAllowed('http://169.254.169.254/latest', denied)).toBe(false);
    expect(importUriAllowed('http://metadata.example/x', denied)).toBe(false);
    expect(importUriAllowed('http://other.example/x', denied)).toBe(true);
  });

  it('refuses credentials in the URL', () => {
    expect(importUriAllowed('http://user:secret@images.example/a', base)).toBe(false);
  });
});
