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

describe('Machines and VMs', () => {
  const vm = (key: number, gone = false) => ({ key, name: `vm-${key}`, provider: 'aws', cloudName: 'prod', state: 'running', gone });

  it('shows the VM a machine runs on, orphans, and filters by VM from the URL', () => {
    signInAs('viewer');
    setNodes(
      nodes(4, (i) =>
        i === 0 ? { vm: vm(10), os: 'linux' } : i === 1 ? { vm: vm(11, true), orphaned: true } : i === 2 ? { orphaned: true } : {},
      ),
    );
    window.history.replaceState(null, '', '/machines');
    const { container } = render(<Machines />);
    const all = rows(container);
    expect(all).toHaveLength(4);
    const link = within(all[0] as HTMLElement).getByRole('link', { name: 'vm-10' });
    expect(link.getAttribute('href')).toBe('/vms?vm=10');
    expect(all[0].textContent).toContain('aws · prod');
    expect(all[0].textContent).not.toContain('Orphaned');
    expect(all[1].textContent).toContain('gone');
    expect(within(all[1] as HTMLElement).getByText('Orphaned')).toBeTruthy();
    expect(within(all[2] as HTMLElement).getByText('Orphaned')).toBeTruthy();
    expect(within(all[3] as HTMLElement).queryByTestId('node-vm')).toBeNull();

    const select = screen.getByLabelText('VM') as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual(['Any', 'Runs on a known VM', 'Orphaned']);
    fireEvent.change(select, { target: { value: 'true' } });
    expect(new URLSearchParams(window.location.search).get('orphaned')).toBe('true');
    expect(rows(container)).toHaveLength(2);
    expect(screen.getByText(/2 of 4 machines/)).toBeTruthy();
    fireEvent.change(select, { target: { value: 'false' } });
    expect(rows(container)).toHaveLength(1);
    expect(rows(container)[0].textContent).toContain('host-00001');
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(new URLSearchParams(window.location.search).has('orphaned')).toBe(false);
    expect(rows(container)).toHaveLength(4);
  });

  it('reads orphaned=true from the URL (the overview links there) and shows the VM in the details', async () => {
    signInAs('viewer');
    setNodes(nodes(3, (i) => (i === 1 ? { vm: vm(11, true), orphaned: true } : {})));
    window.history.replaceState(null, '', '/machines?orphaned=true');
    const { container } = render(<Machines />);
    expect((screen.getByLabelText('VM') as HTMLSelectElement).value).toBe('true');
    expect(rows(container)).toHaveLength(1);
    fireEvent.click(within(rows(container)[0] as HTMLElement).getByRole('button', { name: 'host-00002' }));
    const dialog = await screen.findByRole('dialog');
    const d = within(dialog).getByTestId('details-vm');
    expect(within(d).getByRole('link', { name: 'vm-11' }).getAttribute('href')).toBe('/vms?vm=11');
    expect(d.textContent).toContain('aws · prod');
    expect(d.textContent).toContain('Orphaned');
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
