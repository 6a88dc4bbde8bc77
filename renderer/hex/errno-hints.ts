/** Why a frame has nothing to show, per errno name (HostInfo.codeNames). */
export const ERRNO_HINTS: Record<string, string> = {
  EINVAL: 'no RAM at this gfn: a hole (MMIO, PCI, VGA), never populated, or ballooned out',
  EPERM: 'not permitted: this caller may not map the frame (a PV domain\'s own pfns, or the security policy)',
  EACCES: 'not permitted by the security policy',
  EBUSY: 'Xen reports the frame busy',
  ENOMEM: 'Xen could not un-share a shared page to map it',
  ESRCH: 'the domain does not exist (any more), or it is the domain framescope runs in: Xen refuses to map a domain\'s own frames',
  EFAULT: 'the hypervisor could not reach the frame',
  V1_NO_ERRNO: 'the V1 ioctl reports that the frame failed, not why',
  V1_GFN_TOO_HIGH: 'V1 cannot carry frame numbers at or above 2^28; the frame was not asked for',
  NOT_IN_DUMP: 'the dump file does not hold this frame',
  NO_MFN: 'no machine frame (p2m entry invalid): this PV guest\'s p2m names none for the pfn (ballooned out, or not RAM), so Xen was not asked',
};
