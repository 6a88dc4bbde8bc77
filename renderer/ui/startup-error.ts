/**
 * What the window says when the inspector cannot start: the main process passes the reason
 * (app/backend.ts words it), and the privilege case gets what to do, never a stack trace.
 */
export interface StartupErrorText {
  title: string;
  hint?: string;
}

export const ATTACH_HINT =
  'Access to /dev/xen/privcmd is root-equivalent, so framescope does not need to run as root: start ' +
  "'sudo framescope serve --unix /run/framescope/framescope.sock' on this host and open framescope with " +
  "'--attach /run/framescope/framescope.sock' (it attaches to that socket on its own when it exists). " +
  'See the README, Privileges, for the group that may connect and the optional udev rule.';

export function startupErrorText(message: string | null): StartupErrorText {
  if (message && /permission denied opening/.test(message)) return { title: 'framescope may not open the Xen host\'s privcmd device', hint: ATTACH_HINT };
  if (message && /permission denied on .*\.sock/.test(message)) return { title: 'framescope may not attach to the privileged server', hint: 'Ask for membership of the socket\'s group (it gives access to guest memory).' };
  if (message && /no Xen host here/.test(message)) return { title: 'There is no Xen host here', hint: 'Start framescope without --backend xen to use the simulated host, or open a memory dump.' };
  return { title: 'The inspector did not answer' };
}
