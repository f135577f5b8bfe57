import { Injectable, OnModuleInit } from '@nestjs/common';
import { MarketsChanged } from '@gpupool/inventory';
import { DomainEvents } from '@gpupool/platform';
import { MatchTrigger } from './match-trigger';

/** Markets whose supply or rules changed (inventory, compliance) get a match run. */
@Injectable()
export class MatchRequests implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly trigger: MatchTrigger,
  ) {}

  onModuleInit(): void {
    this.events.listen(MarketsChanged, (event) => this.trigger.request(event.marketIds));
  }
}
