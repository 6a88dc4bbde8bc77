/**
 * XEN_DOMCTL_getdomaininfo through privcmd: whether a domain is PV, PVH or HVM, and where a PV
 * guest's shared info is. The domctl interface is versioned per Xen release and Xen answers
 * any version but its own with EACCES, so the versions of the releases framescope knows are
 * tried newest first and the one that answers is kept.
 */
import { constants } from 'node:os';

import {
  DOMCTL_INTERFACES,
  DomctlInterface,
  GETDOMAININFO_LAYOUT,
  XEN_DOMCTL_getdomaininfo,
  XEN_DOMCTL_LAYOUT,
  XEN_DOMINF_dying,
  XEN_DOMINF_hvm_guest,
  XEN_X86_EMU_PIC,
} from '../native/privcmd-abi';
import type { GuestType } from './api';
import { UnknownDomainError } from './frame-source';
import { hex } from './numbers';

export interface XenDomainInfo {
  domid: number;
  type: GuestType;
  dying: boolean;
  totPages: number;
  maxPages: number;
  /** A PV guest's: the machine frame of its shared info page. */
  sharedInfoFrame: number;
}

/** Issues one struct xen_domctl and returns Xen's answer (PrivcmdDevice.domctl). */
export type DomctlCall = (op: Uint8Array) => Uint8Array;

/** No interface version framescope knows is this hypervisor's. */
export class DomctlVersionError extends Error {
  constructor() {
    const known = DOMCTL_INTERFACES.map((i) => hex(i.version));
    const releases = `Xen ${DOMCTL_INTERFACES.at(-1)!.releases.split('-')[0]}-${DOMCTL_INTERFACES[0].releases.split('-').at(-1)}`;
    super(`XEN_DOMCTL_getdomaininfo answered EACCES at every interface version framescope knows (${known.at(-1)}-${known[0]}, ` +
      `${releases}): this hypervisor speaks another, so framescope cannot tell PV guests from HVM ones`);
    this.name = 'DomctlVersionError';
  }
}

const errnoOf = (e: unknown): number | undefined => (e as { errno?: unknown }).errno as number | undefined;

export class DomainInfoReader {
  private known: DomctlInterface | null = null;

  constructor(private readonly call: DomctlCall) {}

  /** The interface version that answered, once one has. */
  get version(): DomctlInterface | null {
    return this.known;
  }

  /** Throws UnknownDomainError for a domain Xen does not have, DomctlVersionError when no version answers. */
  read(domid: number): XenDomainInfo {
    if (this.known) {
      try {
        return this.readAt(this.known, domid);
      } catch (e) {
        if (errnoOf(e) !== constants.errno.EACCES) throw this.explain(e, domid);
        this.known = null; // the hypervisor changed under us (a live update): probe again
      }
    }
    for (const candidate of DOMCTL_INTERFACES) {
      let info: XenDomainInfo;
      try {
        info = this.readAt(candidate, domid);
      } catch (e) {
        if (errnoOf(e) === constants.errno.EACCES) continue;
        // Xen checks the version before anything else: any other answer says it was right
        this.known = candidate;
        throw this.explain(e, domid);
      }
      this.known = candidate;
      return info;
    }
    throw new DomctlVersionError();
  }

  private explain(e: unknown, domid: number): unknown {
    return errnoOf(e) === constants.errno.ESRCH ? new UnknownDomainError(domid) : e;
  }

  private readAt(iface: DomctlInterface, domid: number): XenDomainInfo {
    const op = new Uint8Array(XEN_DOMCTL_LAYOUT.size);
    const put = new DataView(op.buffer);
    put.setUint32(XEN_DOMCTL_LAYOUT.cmd, XEN_DOMCTL_getdomaininfo, true);
    put.setUint32(XEN_DOMCTL_LAYOUT.interfaceVersion, iface.version, true);
    put.setUint16(XEN_DOMCTL_LAYOUT.domain, domid, true);
    const answer = this.call(op);
    const u = new DataView(answer.buffer, answer.byteOffset + XEN_DOMCTL_LAYOUT.u);
    const u64 = (at: number) => u.getUint32(at + 4, true) * 2 ** 32 + u.getUint32(at, true);
    // Before Xen 4.18, a missing domain got the next one with a higher id: compare.
    if (u.getUint16(GETDOMAININFO_LAYOUT.domain, true) !== domid) throw new UnknownDomainError(domid);
    const flags = u.getUint32(GETDOMAININFO_LAYOUT.flags, true);
    const emulation = u.getUint32(iface.archConfig, true);
    return {
      domid,
      type: !(flags & XEN_DOMINF_hvm_guest) ? 'pv' : emulation & XEN_X86_EMU_PIC ? 'hvm' : 'pvh',
      dying: !!(flags & XEN_DOMINF_dying),
      totPages: u64(GETDOMAININFO_LAYOUT.totPages),
      maxPages: u64(GETDOMAININFO_LAYOUT.maxPages),
      sharedInfoFrame: u64(GETDOMAININFO_LAYOUT.sharedInfoFrame),
    };
  }
}
