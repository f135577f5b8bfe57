import { Injectable, OnModuleInit } from '@nestjs/common';
import { DomainEvents } from '@gpupool/platform';
import { FillsCommitted } from '@gpupool/trading';
import { SettlementTrigger } from './settlement-trigger';

/** The fills of every committed match run get their settlement queued. */
@Injectable()
export class SettlementRequests implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly trigger: SettlementTrigger,
  ) {}

  onModuleInit(): void {
    this.events.listen(FillsCommitted, (event) => this.trigger.request(event.fillIds));
  }
}
