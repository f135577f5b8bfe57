import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Queue } from 'bullmq';
import { STAFF_ROLES } from '../auth/principal';
import { Roles } from '../auth/roles';
import { QueueName } from './queue-names';

@ObjectType('QueueCounts', { description: 'jobs of one BullMQ queue by state, as of the read' })
export class QueueCountsModel {
  @Field() name: string;
  @Field(() => Int) waiting: number;
  @Field(() => Int) active: number;
  @Field(() => Int) delayed: number;
  @Field(() => Int) failed: number;
  @Field(() => Int, { description: 'completed jobs still kept (completed jobs expire after an hour)' }) completed: number;
  @Field() paused: boolean;
}

/** Queue depths for staff, over GraphQL, so the console needs no dashboard login. */
@Injectable()
@Resolver(() => QueueCountsModel)
export class QueueCountsResolver {
  constructor(private readonly modules: ModuleRef) {}

  @Query(() => [QueueCountsModel], { description: 'every queue, in a fixed order; ADMIN, OPERATOR, FINANCE' })
  @Roles(...STAFF_ROLES)
  queueCounts(): Promise<QueueCountsModel[]> {
    return Promise.all(
      Object.values(QueueName).map(async (name) => {
        const queue = this.modules.get<Queue>(getQueueToken(name), { strict: false });
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
        return {
          name,
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          completed: counts.completed ?? 0,
          paused: await queue.isPaused(),
        };
      }),
    );
  }
}

export const QUEUE_RESOLVERS = [QueueCountsResolver];
