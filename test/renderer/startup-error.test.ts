import assert from 'node:assert/strict';
import { test } from 'node:test';

import { explainOpenFailure } from '../../app/backend';
import { SyscallError } from '../../native/syscalls';
import { startupErrorText } from '../../renderer/ui/startup-error';

test('a refused privcmd shows what to do, worded from the backend\'s own message', () => {
  for (const errno of [13, 1]) { // EACCES, EPERM
    const message = explainOpenFailure(new SyscallError('open /dev/xen/privcmd', errno), '/dev/xen/privcmd').message;
    const text = startupErrorText(`could not reach the inspector: ${message}`);
    assert.match(text.title, /may not open the Xen host's privcmd device/);
    assert.match(text.hint ?? '', /sudo framescope serve --unix \/run\/framescope\/framescope\.sock/);
  }
  const missing = explainOpenFailure(new SyscallError('open /dev/xen/privcmd', 2), '/dev/xen/privcmd').message;
  assert.equal(startupErrorText(missing).title, 'There is no Xen host here');
  assert.equal(startupErrorText('socket closed').title, 'The inspector did not answer');
  assert.equal(startupErrorText(null).hint, undefined);
});
