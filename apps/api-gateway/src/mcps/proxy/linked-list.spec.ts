import { describe, expect, it } from '@jest/globals';
import { LinkedList, Links } from './linked-list.js';

class Item {
  readonly links = new Links<Item>();
  constructor(readonly name: string) {}
}

describe('LinkedList', () => {
  const list = () => new LinkedList<Item>((item) => item.links);
  const names = (l: LinkedList<Item>) => l.toArray().map((item) => item.name);

  it('adds once, removes from the head, the middle and the tail, and counts', () => {
    const l = list();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => new Item(n)) as [Item, Item, Item, Item];
    for (const item of [a, b, c, d, b]) l.add(item);
    expect(names(l)).toEqual(['d', 'c', 'b', 'a']);
    expect(l.size).toBe(4);
    expect(l.delete(c)).toBe(true);
    expect(l.delete(c)).toBe(false);
    expect(l.delete(d)).toBe(true);
    expect(l.delete(a)).toBe(true);
    expect(names(l)).toEqual(['b']);
    l.add(a);
    expect(names(l)).toEqual(['a', 'b']);
    expect(l.size).toBe(2);
  });

  it('a removed element points nowhere: it keeps no other element alive', () => {
    const l = list();
    const items = ['a', 'b', 'c'].map((n) => new Item(n));
    for (const item of items) l.add(item);
    for (const item of items) {
      l.delete(item);
      expect(item.links).toMatchObject({ prev: null, next: null, listed: false });
    }
    expect(l.size).toBe(0);
    expect(l.toArray()).toEqual([]);
  });

  it('toArray is a copy: removing while walking it misses nothing', () => {
    const l = list();
    for (const n of ['a', 'b', 'c']) l.add(new Item(n));
    const seen: string[] = [];
    for (const item of l.toArray()) {
      seen.push(item.name);
      l.delete(item);
    }
    expect(seen).toEqual(['c', 'b', 'a']);
    l.add(new Item('x'));
    l.clear();
    expect(l.size).toBe(0);
  });
});
