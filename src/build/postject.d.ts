/** The part of postject's API the binary build uses (the package ships no types). */
declare module 'postject' {
  export function inject(file: string, resourceName: string, resourceData: Buffer, options: { sentinelFuse: string }): Promise<void>;
}
