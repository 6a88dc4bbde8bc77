/** Where the privcmd device is: a module of its own, so that asking needs no koffi. */
export const PRIVCMD_PATH = '/dev/xen/privcmd';
