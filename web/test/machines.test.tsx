import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { Machines } from '../src/pages/Machines';
import { VirtualList } from '../src/components/VirtualList';
import { mockApi, nodes, setNodes, signInAs } from './helpers';

function rows(container: HTMLElement) {
  return Array.from(container.querySelectorAll('.vrow'));
}

beforeEach(() => {
  mockApi({ 'GET /api/v1/nodes': { nodes: [], total: 0, fetchedAt: new Date().toISOString() } });
});

describe('Machines', () => {
  it('reads its filters from the URL and writes the search back', async () => {
    signInAs('operator');
    setNodes(nodes(40, (i) => ({ user: i % 2 ? 'alice' : 'bob', online: i < 10, name: i === 3 ? 'web-special' : `host-${i}` })));
    window.history.replaceState(null, '', '/machines?user=alice&online=true');
    const { container } = render(<Machines />);
    expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('alice');
    expect((screen.getByLabelText('Connection') as HTMLSelectElement).value).toBe('true');
    // alice owns odd indexes; online are the first 10: 1,3,5,7,9
    expect(rows(container)).toHaveLength(5);
    expect(screen.getByText(/5 of 40 machines/)).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Search machines'), { target: { value: 'special' } });
    await waitFor(() => expect(new URLSearchParams(window.location.search).get('q')).toBe('special'));
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    expect(within(rows(container)[0] as HTMLElement).getByText('web-special')).toBeTruthy();

    // Changing a filter keeps the others in the URL.
    fireEvent.change(screen.getByLabelText('Connection'), { target: { value: '' } });
    const sp = new URLSearchParams(window.location.search);
    expect(sp.get('q')).toBe('special');
    expect(sp.get('user')).toBe('alice');
    expect(sp.has('online')).toBe(false);

    // Back/forward-style URL changes reach the search box.
    act(() => {
      window.history.pushState(null, '', '/machines?q=host-1');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    await waitFor(() => expect((screen.getByLabelText('Search machines') as HTMLInputElement).value).toBe('host-1'));
  });

  it('sorts by a column header and keeps the sort in the URL', () => {
    signInAs('viewer');
    setNodes(nodes(3));
    const { container } = render(<Machines />);
    fireEvent.click(screen.getByRole('button', { name: /Machine/ }));
    expect(new URLSearchParams(window.location.search).get('dir')).toBe('desc');
    expect(rows(container)[0].textContent).toContain('host-00003');
    expect(screen.getByRole('columnheader', { name: /Machine/ }).getAttribute('aria-sort')).toBe('descending');
  });

  it('renders only the visible rows of 10,000 machines', () => {
    signInAs('viewer');
    setNodes(nodes(10_000));
    const { container } = render(<Machines />);
    const first = rows(container);
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(60);
    expect(first[0].textContent).toContain('host-00001');
    expect(screen.getByText(/10,000 machines/)).toBeTruthy();
  });

  it('shows a viewer no control that changes anything', () => {
    signInAs('viewer');
    setNodes(nodes(5));
    render(<Machines />);
    expect(screen.queryByText('Add machine')).toBeNull();
    expect(screen.queryAllByRole('button', { name: /^Actions for/ })).toHaveLength(0);
  });

  it('gives an operator the actions of each machine', async () => {
    signInAs('operator');
    setNodes(nodes(2));
    render(<Machines />);
    expect(screen.getByText('Add machine')).toBeTruthy();
    const menus = screen.getAllByRole('button', { name: /^Actions for/ });
    expect(menus).toHaveLength(2);
    fireEvent.click(menus[0]);
    const items = screen.getAllByRole('menuitem').map((m) => m.textContent);
    expect(items).toEqual(['Rename…', 'Edit tags…', 'Edit routes…', 'Expire key…', 'Disable key expiry', 'Revoke…']);
    fireEvent.click(screen.getByRole('menuitem', { name: 'Revoke…' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(/Revoke host-00001\?/)).toBeTruthy();
    expect(within(dialog).getByRole('button', { name: 'Revoke machine' })).toBeTruthy();
  });
});

describe('VirtualList', () => {
  it('renders the rows in view and follows scrolling', () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const { container } = render(
      <VirtualList items={items} rowHeight={50} initialHeight={500} overscan={2} rowKey={(i) => i} renderRow={(i) => <span>row {i}</span>} />,
    );
    const list = container.querySelector('.vlist') as HTMLElement;
    expect(list.querySelectorAll('.vrow')).toHaveLength(12); // 10 in view + 2 below
    expect((container.querySelector('.vspacer') as HTMLElement).style.height).toBe('50000px');
    list.scrollTop = 25_000;
    fireEvent.scroll(list);
    const shown = Array.from(list.querySelectorAll('.vrow')).map((r) => r.textContent);
    expect(shown[0]).toBe('row 498');
    expect(shown).toContain('row 505');
    expect(shown).not.toContain('row 0');
    expect(shown.length).toBe(14);
  });
});
