/** The config keys only Sonos kinds read. */
import { SettingError, type KindKey } from '../kind.js';

/** Interfaces to print: these names, `all` (all but `lo`), or undefined: `br0` and any other that has counted a packet. */
type InterfacesSetting = ReadonlySet<string> | 'all';

export const INTERFACES_KEY: KindKey = {
  name: 'interfaces',
  read(value: string): InterfacesSetting {
    const names = value
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    if (names.length === 0) throw new SettingError('empty (name interfaces like br0, eth0, or all)');
    // `all` means every interface but lo; no Sonos interface is called that.
    if (names.length === 1 && names[0] === 'all') return 'all';
    const bad = names.find((n) => !/^[A-Za-z0-9_.:@-]{1,32}$/.test(n));
    if (bad !== undefined) throw new SettingError(`${JSON.stringify(bad)} is not an interface name`);
    return new Set(names);
  },
};

/** The `interfaces` setting of a device. */
export function interfacesSetting(settings: Readonly<Record<string, unknown>> | undefined): InterfacesSetting | undefined {
  const v = settings?.['interfaces'];
  return v === 'all' || v instanceof Set ? (v as InterfacesSetting) : undefined;
}
