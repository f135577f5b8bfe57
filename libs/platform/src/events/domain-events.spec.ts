import { DomainEvents } from './domain-events';

class Happened {
  constructor(readonly ids: string[]) {}
}
class Other {}

describe('DomainEvents', () => {
  it('awaits every listener of the event class, and only of that class', async () => {
    const events = new DomainEvents();
    const seen: string[] = [];
    events.listen(Happened, async (event) => {
      await new Promise((done) => setTimeout(done, 5));
      seen.push(...event.ids);
    });
    events.listen(Happened, async () => void seen.push('second'));
    events.listen(Other, async () => void seen.push('other'));
    await events.publish(new Happened(['a', 'b']));
    expect(seen.sort()).toEqual(['a', 'b', 'second']);
  });

  it('logs a listener that throws and still runs the others; publish does not throw', async () => {
    const events = new DomainEvents();
    const seen: string[] = [];
    events.listen(Happened, () => Promise.reject(new Error('redis away')));
    events.listen(Happened, async () => void seen.push('ran'));
    await expect(events.publish(new Happened([]))).resolves.toBeUndefined();
    expect(seen).toEqual(['ran']);
  });

  it('publishes to nobody when no one listens', async () => {
    await expect(new DomainEvents().publish(new Other())).resolves.toBeUndefined();
  });
});
