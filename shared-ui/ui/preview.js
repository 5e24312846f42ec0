// The block page as the demo's gallery and the staff tester preview it: what to show comes from
// this page's fragment (blockdata.js), rendered by the one block-page renderer.

import { readFragment } from './blockdata.js';
import { showBlockPage } from './block-page.js';

function showFromFragment() {
  const data = readFragment(location.hash);
  if (data) showBlockPage(data);
}

showFromFragment();
addEventListener('hashchange', showFromFragment);
