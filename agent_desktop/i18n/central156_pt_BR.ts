<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="pt_BR">
  <context>
    <name />
    <message>
      <location filename="../views/inbox.py" line="47" />
      <location filename="../qtmodels.py" line="113" />
      <source>LATE</source>
      <translation>EM ATRASO</translation>
    </message>
    <message>
      <location filename="../widgets/queue_cards.py" line="35" />
      <source>waiting</source>
      <translation>em espera</translation>
    </message>
    <message>
      <location filename="../widgets/queue_cards.py" line="37" />
      <source>SL</source>
      <translation>NS</translation>
    </message>
    <message>
      <location filename="../widgets/queue_cards.py" line="39" />
      <source>Longest wait</source>
      <translation>Maior espera</translation>
    </message>
    <message>
      <location filename="../widgets/queue_cards.py" line="44" />
      <source>Free agents</source>
      <translation>Livres</translation>
    </message>
    <message>
      <location filename="../widgets/queue_cards.py" line="101" />
      <source>Abandoned; in brackets the short abandons, counted apart</source>
      <translation>Abandonadas; entre parênteses os abandonos curtos, contados à parte</translation>
    </message>
    <message>
      <location filename="../widgets/queue_cards.py" line="40" />
      <source>ASA</source>
      <translation>TME</translation>
    </message>
    <message>
      <location filename="../widgets/queue_cards.py" line="42" />
      <location filename="../widgets/report_charts.py" line="119" />
      <source>Answered</source>
      <translation>Atendidas</translation>
    </message>
    <message>
      <location filename="../widgets/queue_cards.py" line="43" />
      <location filename="../widgets/report_charts.py" line="120" />
      <source>Abandoned</source>
      <translation>Abandonadas</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="114" />
      <source>Calls and service level</source>
      <translation>Chamadas e nível de serviço</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="121" />
      <source>Short abandons</source>
      <translation>Abandonos curtos</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="123" />
      <source>calls</source>
      <translation>chamadas</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="125" />
      <source>service level %</source>
      <translation>nível de serviço %</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="128" />
      <source>Service level %</source>
      <translation>Nível de serviço %</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="144" />
      <source>Target %1%</source>
      <translation>Meta %1%</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="158" />
      <source>Requests by channel, month by month</source>
      <translation>Solicitações por canal, mês a mês</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="161" />
      <source>App</source>
      <translation>Aplicativo</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="160" />
      <source>Telephone</source>
      <translation>Telefone</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="164" />
      <source>E-mail</source>
      <translation>E-mail</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="165" />
      <source>In person</source>
      <translation>Presencial</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="171" />
      <location filename="../widgets/report_charts.py" line="226" />
      <location filename="../widgets/report_charts.py" line="245" />
      <source>requests</source>
      <translation>solicitações</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="177" />
      <source>Satisfaction: distribution of scores 1 to 5</source>
      <translation>Satisfação: distribuição das notas 1 a 5</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="180" />
      <source>Score %1</source>
      <translation>Nota %1</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="193" />
      <source>Average score by channel, month by month</source>
      <translation>Nota média por canal, mês a mês</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="195" />
      <source>average score</source>
      <translation>nota média</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="218" />
      <source>Pending requests: late and on time</source>
      <translation>Solicitações pendentes: em atraso e no prazo</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="223" />
      <source>Late</source>
      <translation>Atraso</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="224" />
      <source>On time</source>
      <translation>No prazo</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="233" />
      <source>Resolved and reopened requests per secretariat</source>
      <translation>Solicitações resolvidas e reabertas por secretaria</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="238" />
      <source>Reopened</source>
      <translation>Reabertas</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="240" />
      <source>Resolved, not reopened</source>
      <translation>Resolvidas, não reabertas</translation>
    </message>
    <message>
      <location filename="../widgets/report_charts.py" line="243" />
      <source>Closed as duplicates</source>
      <translation>Duplicadas (unidas a outro protocolo)</translation>
    </message>
  </context>
  <context>
    <name>AddressFields</name>
    <message>
      <location filename="../widgets/address_fields.py" line="20" />
      <source>Street (logradouro)</source>
      <translation>Logradouro</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="21" />
      <source>Number</source>
      <translation>Número</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="22" />
      <source>Complement</source>
      <translation>Complemento</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="23" />
      <location filename="../widgets/address_fields.py" line="33" />
      <source>Neighbourhood</source>
      <translation>Bairro</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="24" />
      <location filename="../widgets/address_fields.py" line="35" />
      <source>CEP</source>
      <translation>CEP</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="26" />
      <source>Reference point</source>
      <translation>Ponto de referência</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="29" />
      <source>Street</source>
      <translation>Logradouro</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="31" />
      <source>No.</source>
      <translation>Nº</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="37" />
      <source>Compl.</source>
      <translation>Compl.</translation>
    </message>
    <message>
      <location filename="../widgets/address_fields.py" line="39" />
      <source>Reference</source>
      <translation>Referência</translation>
    </message>
  </context>
  <context>
    <name>AgentBar</name>
    <message>
      <location filename="../views/agent_bar.py" line="65" />
      <source>Leave queues (F9)</source>
      <translation>Sair das filas (F9)</translation>
    </message>
    <message>
      <location filename="../views/agent_bar.py" line="65" />
      <source>Join queues (F9)</source>
      <translation>Entrar nas filas (F9)</translation>
    </message>
    <message>
      <location filename="../views/agent_bar.py" line="67" />
      <source>Resume (F8)</source>
      <translation>Retomar (F8)</translation>
    </message>
    <message>
      <location filename="../views/agent_bar.py" line="67" />
      <source>Pause (F8)</source>
      <translation>Pausar (F8)</translation>
    </message>
    <message>
      <location filename="../views/agent_bar.py" line="74" />
      <source>Out of the queues</source>
      <translation>Fora das filas</translation>
    </message>
    <message>
      <location filename="../views/agent_bar.py" line="79" />
      <source>Paused: %1</source>
      <translation>Em pausa: %1</translation>
    </message>
    <message numerus="yes">
      <location filename="../views/agent_bar.py" line="83" />
      <source>Available in %n queue(s)</source>
      <translation>
        <numerusform>Disponível em %n fila</numerusform>
        <numerusform>Disponível em %n filas</numerusform>
      </translation>
    </message>
    <message>
      <location filename="../views/agent_bar.py" line="85" />
      <source>pause after the call: %1</source>
      <translation>pausa após a chamada: %1</translation>
    </message>
  </context>
  <context>
    <name>CallPanel</name>
    <message>
      <location filename="../views/call_panel.py" line="62" />
      <source>Hang up</source>
      <translation>Encerrar ligação</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="64" />
      <source>End this call (the citizen hears the survey)</source>
      <translation>Encerrar esta ligação (o cidadão ouve a pesquisa de satisfação)</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="82" />
      <source>What the IVR learned</source>
      <translation>O que a URA identificou</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="95" />
      <source>Said:</source>
      <translation>Disse:</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="96" />
      <source>Service:</source>
      <translation>Serviço:</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="97" />
      <source>Protocol consulted:</source>
      <translation>Protocolo consultado:</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="98" />
      <source>Waited:</source>
      <translation>Esperou:</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="101" />
      <source>Citizen</source>
      <translation>Cidadão</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="124" />
      <location filename="../views/call_panel.py" line="212" />
      <source>Requests</source>
      <translation>Solicitações</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="125" />
      <source>Calls</source>
      <translation>Chamadas</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="132" />
      <source>Available</source>
      <translation>Disponível</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="133" />
      <source>No call</source>
      <translation>Sem chamada</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="155" />
      <source>Unknown number</source>
      <translation>Número desconhecido</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="158" />
      <source>Queue:</source>
      <translation>Fila:</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="160" />
      <source>(nothing)</source>
      <translation>(nada)</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="186" />
      <source> — LATE</source>
      <translation> — EM ATRASO</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="190" />
      <source>expected</source>
      <translation>previsão</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="217" />
      <source>Citizen not identified.</source>
      <translation>Cidadão não identificado.</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="218" />
      <source>New citizen (F2)</source>
      <translation>Cadastrar cidadão (F2)</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="220" />
      <source>no CPF</source>
      <translation>sem CPF</translation>
    </message>
    <message>
      <location filename="../views/call_panel.py" line="232" />
      <source>Edit (F2)</source>
      <translation>Editar (F2)</translation>
    </message>
  </context>
  <context>
    <name>CitizenForm</name>
    <message>
      <location filename="../views/citizen_form.py" line="43" />
      <source>(51) 99999-1234, (51) 3333-4444</source>
      <translation>(51) 99999-1234, (51) 3333-4444</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="50" />
      <source>Save citizen (Ctrl+S)</source>
      <translation>Salvar cidadão (Ctrl+S)</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="54" />
      <location filename="../views/citizen_form.py" line="95" />
      <location filename="../views/citizen_form.py" line="138" />
      <source>New citizen</source>
      <translation>Novo cidadão</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="69" />
      <source>Name *</source>
      <translation>Nome *</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="70" />
      <source>CPF</source>
      <translation>CPF</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="71" />
      <source>Phones</source>
      <translation>Telefones</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="72" />
      <source>E-mail</source>
      <translation>E-mail</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="73" />
      <source>Address</source>
      <translation>Endereço</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="95" />
      <location filename="../views/citizen_form.py" line="138" />
      <source>Update citizen</source>
      <translation>Atualizar cadastro</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="146" />
      <source>Saving...</source>
      <translation>Salvando...</translation>
    </message>
    <message>
      <location filename="../views/citizen_form.py" line="155" />
      <source>Citizen saved.</source>
      <translation>Cidadão salvo.</translation>
    </message>
  </context>
  <context>
    <name>DeskController</name>
    <message>
      <location filename="../controller.py" line="94" />
      <location filename="../controller.py" line="308" />
      <source>Database</source>
      <translation>Banco de dados</translation>
    </message>
    <message>
      <location filename="../controller.py" line="111" />
      <source>Ringing</source>
      <translation>Tocando</translation>
    </message>
    <message>
      <location filename="../controller.py" line="143" />
      <source>In call</source>
      <translation>Em atendimento</translation>
    </message>
    <message>
      <location filename="../controller.py" line="170" />
      <source>Wrap-up</source>
      <translation>Pós-atendimento</translation>
    </message>
    <message>
      <location filename="../controller.py" line="217" />
      <source>The caller hung up before the answer.</source>
      <translation>O cidadão desligou antes do atendimento.</translation>
    </message>
    <message>
      <location filename="../controller.py" line="224" />
      <source>Missed call at %1 (caller %2).</source>
      <translation>Chamada não atendida às %1 (número %2).</translation>
    </message>
    <message>
      <location filename="../controller.py" line="229" />
      <source>You were paused: resume (F8) when you are back.</source>
      <translation>Você foi colocado em pausa: retome (F8) quando voltar.</translation>
    </message>
    <message>
      <location filename="../controller.py" line="283" />
      <source>Connection to the PBX lost (%1). Reconnecting automatically; your forms are kept.</source>
      <translation>Conexão com a central telefônica perdida (%1). Reconectando automaticamente; seus formulários foram mantidos.</translation>
    </message>
    <message>
      <location filename="../controller.py" line="287" />
      <source>Reconnect now</source>
      <translation>Reconectar agora</translation>
    </message>
    <message>
      <location filename="../controller.py" line="295" />
      <source>Database offline</source>
      <translation>Banco fora do ar</translation>
    </message>
    <message>
      <location filename="../controller.py" line="298" />
      <source>Database unavailable. What you typed is kept (also on disk); retrying every 5 s.</source>
      <translation>Banco de dados indisponível. O que você digitou está guardado (também em disco); nova tentativa a cada 5 s.</translation>
    </message>
    <message>
      <location filename="../controller.py" line="301" />
      <source>Retry now</source>
      <translation>Tentar agora</translation>
    </message>
    <message>
      <location filename="../views/common.py" line="50" />
      <source>PBX connected</source>
      <translation>Central conectada</translation>
    </message>
    <message>
      <location filename="../views/common.py" line="53" />
      <source>PBX connecting...</source>
      <translation>Conectando à central...</translation>
    </message>
    <message>
      <location filename="../views/common.py" line="55" />
      <source>PBX offline</source>
      <translation>Central fora do ar</translation>
    </message>
    <message>
      <location filename="../views/common.py" line="58" />
      <source>PBX disconnected</source>
      <translation>Central desconectada</translation>
    </message>
  </context>
  <context>
    <name>DuplicateDialog</name>
    <message>
      <location filename="../views/duplicate_dialog.py" line="28" />
      <location filename="../views/duplicate_dialog.py" line="49" />
      <source>Mark as duplicate</source>
      <translation>Marcar como duplicada</translation>
    </message>
    <message>
      <location filename="../views/duplicate_dialog.py" line="31" />
      <source>%1 is the same problem as the protocol:</source>
      <translation>%1 é o mesmo problema que o protocolo:</translation>
    </message>
    <message>
      <location filename="../views/duplicate_dialog.py" line="35" />
      <source>Protocol number, e.g. 2026-0001234-0</source>
      <translation>Número do protocolo, ex.: 2026-0001234-0</translation>
    </message>
    <message>
      <location filename="../views/duplicate_dialog.py" line="39" />
      <source>%1 will be closed as its duplicate, and the citizen told to follow that protocol. It can be undone.</source>
      <translation>%1 será fechado como duplicado dele, e o cidadão orientado a acompanhar aquele protocolo. Dá para desfazer.</translation>
    </message>
  </context>
  <context>
    <name>Errors</name>
    <message>
      <location filename="../views/common.py" line="37" />
      <source>Database unavailable: nothing was lost, the form is kept. Try again in a moment.</source>
      <translation>Banco de dados indisponível: nada foi perdido, o formulário foi mantido. Tente de novo em instantes.</translation>
    </message>
    <message>
      <location filename="../views/common.py" line="43" />
      <source>Unexpected error: %1</source>
      <translation>Erro inesperado: %1</translation>
    </message>
  </context>
  <context>
    <name>InboxView</name>
    <message>
      <location filename="../views/inbox.py" line="113" />
      <source>What was done — the citizen will hear or read this note</source>
      <translation>O que foi feito — o cidadão vai ouvir ou ler esta nota</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="116" />
      <source>Acknowledge: in progress (Ctrl+K)</source>
      <translation>Receber: em andamento (Ctrl+K)</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="118" />
      <source>Resolve (Ctrl+Enter)</source>
      <translation>Resolver (Ctrl+Enter)</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="124" />
      <source>Why it belongs to that secretariat</source>
      <translation>Por que cabe àquela secretaria</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="125" />
      <source>Forward (Ctrl+Shift+F)</source>
      <translation>Encaminhar (Ctrl+Shift+F)</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="127" />
      <source>Mark as duplicate… (Ctrl+D)</source>
      <translation>Marcar como duplicada… (Ctrl+D)</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="130" />
      <source>Undo</source>
      <translation>Desfazer</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="153" />
      <source>What the secretariat did</source>
      <translation>O que a secretaria fez</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="162" />
      <source>Not ours — forward to:</source>
      <translation>Não é nosso — encaminhar para:</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="171" />
      <source>History</source>
      <translation>Histórico</translation>
    </message>
    <message numerus="yes">
      <location filename="../views/inbox.py" line="206" />
      <source>%n request(s) to work on</source>
      <translation>
        <numerusform>%n solicitação a tratar</numerusform>
        <numerusform>%n solicitações a tratar</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../views/inbox.py" line="207" />
      <source>%n late</source>
      <translation>
        <numerusform>%n em atraso</numerusform>
        <numerusform>%n em atraso</numerusform>
      </translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="230" />
      <source>Choose a request on the left.</source>
      <translation>Escolha uma solicitação à esquerda.</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="264" />
      <source>%1 is in progress.</source>
      <translation>%1 está em andamento.</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="269" />
      <source>%1 resolved; the citizen will be told.</source>
      <translation>%1 resolvido; o cidadão será avisado.</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="275" />
      <source>%1 forwarded.</source>
      <translation>%1 encaminhado.</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="290" />
      <source>%1 closed as a duplicate of %2; the citizen will be sent to follow it.</source>
      <translation>%1 fechado como duplicado do protocolo %2; o cidadão será orientado a acompanhá-lo.</translation>
    </message>
    <message>
      <location filename="../views/inbox.py" line="303" />
      <source>%1 is not a duplicate any more: back in the inbox.</source>
      <translation>%1 não é mais duplicado: voltou à caixa de entrada.</translation>
    </message>
  </context>
  <context>
    <name>LoginDialog</name>
    <message>
      <location filename="../views/login_dialog.py" line="42" />
      <source>Central 156 — Login</source>
      <translation>Central 156 — Entrar</translation>
    </message>
    <message>
      <location filename="../views/login_dialog.py" line="51" />
      <source>e.g. PJSIP/agent-2001 (empty: your registered phone)</source>
      <translation>ex.: PJSIP/agent-2001 (vazio: o ramal cadastrado)</translation>
    </message>
    <message>
      <location filename="../views/login_dialog.py" line="61" />
      <source>User</source>
      <translation>Usuário</translation>
    </message>
    <message>
      <location filename="../views/login_dialog.py" line="62" />
      <source>Password</source>
      <translation>Senha</translation>
    </message>
    <message>
      <location filename="../views/login_dialog.py" line="63" />
      <source>Phone</source>
      <translation>Ramal</translation>
    </message>
    <message>
      <location filename="../views/login_dialog.py" line="82" />
      <source>Type your phone (no phone is registered for this user).</source>
      <translation>Informe seu ramal (este usuário não tem ramal cadastrado).</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <location filename="../views/main_window.py" line="67" />
      <source>Central 156 — Agent desktop</source>
      <translation>Central 156 — Mesa do atendente</translation>
    </message>
    <message>
      <location filename="../views/main_window.py" line="90" />
      <source>New request</source>
      <translation>Nova solicitação</translation>
    </message>
    <message>
      <location filename="../views/main_window.py" line="91" />
      <source>Citizen</source>
      <translation>Cidadão</translation>
    </message>
    <message>
      <location filename="../views/main_window.py" line="92" />
      <source>Find requests</source>
      <translation>Buscar protocolos</translation>
    </message>
    <message>
      <location filename="../views/main_window.py" line="93" />
      <source>Wrap-up</source>
      <translation>Pós-atendimento</translation>
    </message>
  </context>
  <context>
    <name>ProtocolDisplay</name>
    <message>
      <location filename="../widgets/protocol_display.py" line="39" />
      <source>Copy</source>
      <translation>Copiar</translation>
    </message>
    <message>
      <location filename="../widgets/protocol_display.py" line="52" />
      <source>Protocol number — read it out to the citizen:</source>
      <translation>Número de protocolo — leia para o cidadão:</translation>
    </message>
  </context>
  <context>
    <name>RequestForm</name>
    <message>
      <location filename="../views/request_form.py" line="64" />
      <source>Type what the citizen needs: buraco, lâmpada, lixo, vazamento... (F3)</source>
      <translation>Digite o que o cidadão precisa: buraco, lâmpada, lixo, vazamento... (F3)</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="72" />
      <location filename="../views/request_form.py" line="173" />
      <location filename="../views/request_form.py" line="287" />
      <source>No service chosen.</source>
      <translation>Nenhum serviço escolhido.</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="77" />
      <source>Use the citizen's address</source>
      <translation>Usar o endereço do cidadão</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="81" />
      <source>What the citizen reports, in their words</source>
      <translation>O relato do cidadão, com as palavras dele</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="84" />
      <source>Forward to another focal point</source>
      <translation>Encaminhar para outro ponto focal</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="90" />
      <source>Reason for the other destination</source>
      <translation>Motivo do outro destino</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="91" />
      <source>Register request (Ctrl+Enter)</source>
      <translation>Registrar solicitação (Ctrl+Enter)</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="104" />
      <source>Service</source>
      <translation>Serviço</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="109" />
      <source>Where</source>
      <translation>Local</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="124" />
      <source>Description</source>
      <translation>Descrição</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="148" />
      <source> (primary)</source>
      <translation> (principal)</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="176" />
      <source>address required</source>
      <translation>endereço obrigatório</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="176" />
      <source>address optional</source>
      <translation>endereço opcional</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="180" />
      <source>deadline</source>
      <translation>prazo</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="224" />
      <source>Choose the service first (type in the search box).</source>
      <translation>Escolha o serviço primeiro (digite na busca).</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="249" />
      <source>Registering...</source>
      <translation>Registrando...</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="266" />
      <source>Forwarded to</source>
      <translation>Encaminhado para</translation>
    </message>
    <message>
      <location filename="../views/request_form.py" line="268" />
      <source>Expected by</source>
      <translation>Previsão de atendimento:</translation>
    </message>
  </context>
  <context>
    <name>RequestSearchView</name>
    <message>
      <location filename="../views/request_search.py" line="41" />
      <source>Protocol, phone, CPF, name or street (F4)</source>
      <translation>Protocolo, telefone, CPF, nome ou rua (F4)</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="43" />
      <source>Search</source>
      <translation>Buscar</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="52" />
      <source>Note (what the citizen added)</source>
      <translation>Observação (o que o cidadão acrescentou)</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="53" />
      <source>Add note</source>
      <translation>Adicionar observação</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="57" />
      <source>Why the citizen disputes the closure</source>
      <translation>Por que o cidadão contesta o encerramento</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="58" />
      <source>Reopen</source>
      <translation>Reabrir</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="61" />
      <source>Mark as duplicate…</source>
      <translation>Marcar como duplicada…</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="64" />
      <source>Not a duplicate (undo)</source>
      <translation>Não é duplicada (desfazer)</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="102" />
      <source>Searching...</source>
      <translation>Buscando...</translation>
    </message>
    <message numerus="yes">
      <location filename="../views/request_search.py" line="109" />
      <source>%n request(s) found.</source>
      <translation>
        <numerusform>%n protocolo encontrado.</numerusform>
        <numerusform>%n protocolos encontrados.</numerusform>
      </translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="150" />
      <source>Note added.</source>
      <translation>Observação registrada.</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="160" />
      <source>Request reopened.</source>
      <translation>Protocolo reaberto.</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="176" />
      <source>Closed as a duplicate.</source>
      <translation>Fechada como duplicada.</translation>
    </message>
    <message>
      <location filename="../views/request_search.py" line="186" />
      <source>Not a duplicate any more.</source>
      <translation>Não é mais duplicada.</translation>
    </message>
  </context>
  <context>
    <name>RoleWindow</name>
    <message>
      <location filename="../roles.py" line="88" />
      <source>Central 156 — Supervision</source>
      <translation>Central 156 — Supervisão</translation>
    </message>
    <message>
      <location filename="../roles.py" line="92" />
      <source>Queue board</source>
      <translation>Painel de filas</translation>
    </message>
    <message>
      <location filename="../roles.py" line="93" />
      <source>Statistics</source>
      <translation>Estatísticas</translation>
    </message>
    <message>
      <location filename="../roles.py" line="94" />
      <location filename="../roles.py" line="122" />
      <source>Database</source>
      <translation>Banco de dados</translation>
    </message>
    <message>
      <location filename="../roles.py" line="118" />
      <source>Central 156 — Secretariat inbox</source>
      <translation>Central 156 — Caixa de entrada da secretaria</translation>
    </message>
    <message>
      <location filename="../roles.py" line="121" />
      <source>Inbox</source>
      <translation>Caixa de entrada</translation>
    </message>
  </context>
  <context>
    <name>StatisticsView</name>
    <message>
      <location filename="../views/statistics.py" line="111" />
      <source>Calls by queue</source>
      <translation>Chamadas por fila</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="112" />
      <source>Calls by agent</source>
      <translation>Chamadas por atendente</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="113" />
      <source>Calls by hour of the day</source>
      <translation>Chamadas por hora do dia</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="114" />
      <source>Calls by day</source>
      <translation>Chamadas por dia</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="115" />
      <source>Calls by month</source>
      <translation>Chamadas por mês</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="116" />
      <source>Pauses by agent and reason</source>
      <translation>Pausas por atendente e motivo</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="117" />
      <source>Satisfaction by month</source>
      <translation>Satisfação por mês</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="118" />
      <source>Satisfaction by agent</source>
      <translation>Satisfação por atendente</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="119" />
      <source>Satisfaction by service</source>
      <translation>Satisfação por serviço</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="120" />
      <source>Satisfaction by channel and month</source>
      <translation>Satisfação por canal e mês</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="121" />
      <source>Channels by month</source>
      <translation>Canais por mês</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="122" />
      <source>Late requests by secretariat</source>
      <translation>Atrasos por secretaria</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="123" />
      <source>Late requests by secretariat and service</source>
      <translation>Atrasos por secretaria e serviço</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="124" />
      <source>Reopened by secretariat</source>
      <translation>Reaberturas por secretaria</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="131" />
      <source>Today</source>
      <translation>Hoje</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="132" />
      <source>Last 7 days</source>
      <translation>Últimos 7 dias</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="133" />
      <source>Last 30 days</source>
      <translation>Últimos 30 dias</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="134" />
      <source>Last 12 months</source>
      <translation>Últimos 12 meses</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="135" />
      <source>Custom</source>
      <translation>Personalizado</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="145" />
      <source>Show (Ctrl+Enter)</source>
      <translation>Mostrar (Ctrl+Enter)</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="148" />
      <source>Export CSV (Ctrl+E)</source>
      <translation>Exportar CSV (Ctrl+E)</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="151" />
      <source>PDF summary (Ctrl+Shift+P)</source>
      <translation>Resumo em PDF (Ctrl+Shift+P)</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="157" />
      <source>Period:</source>
      <translation>Período:</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="160" />
      <source>to</source>
      <translation>a</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="220" />
      <source>The period ends before it begins.</source>
      <translation>O período termina antes de começar.</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="222" />
      <source>Computing...</source>
      <translation>Calculando...</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="236" />
      <source>Key</source>
      <translation>Chave</translation>
    </message>
    <message numerus="yes">
      <location filename="../views/statistics.py" line="245" />
      <source>%1 — %2: %n row(s).</source>
      <translation>
        <numerusform>%1 — %2: %n linha.</numerusform>
        <numerusform>%1 — %2: %n linhas.</numerusform>
      </translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="259" />
      <source>Export</source>
      <translation>Exportar</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="266" />
      <source>Show a report first.</source>
      <translation>Mostre um relatório primeiro.</translation>
    </message>
    <message>
      <location filename="../views/statistics.py" line="288" />
      <source>Saved to %1</source>
      <translation>Salvo em %1</translation>
    </message>
  </context>
  <context>
    <name>Wallboard</name>
    <message>
      <location filename="../widgets/board_style.py" line="48" />
      <source>Free</source>
      <translation>Livre</translation>
    </message>
    <message>
      <location filename="../widgets/board_style.py" line="49" />
      <source>Ringing</source>
      <translation>Tocando</translation>
    </message>
    <message>
      <location filename="../widgets/board_style.py" line="50" />
      <source>Talking</source>
      <translation>Em ligação</translation>
    </message>
    <message>
      <location filename="../widgets/board_style.py" line="51" />
      <source>Wrap-up</source>
      <translation>Pós-atendimento</translation>
    </message>
    <message>
      <location filename="../widgets/board_style.py" line="52" />
      <source>Paused</source>
      <translation>Em pausa</translation>
    </message>
    <message>
      <location filename="../widgets/board_style.py" line="53" />
      <source>Phone offline</source>
      <translation>Ramal fora do ar</translation>
    </message>
    <message>
      <location filename="../widgets/board_style.py" line="54" />
      <source>Logged out</source>
      <translation>Fora das filas</translation>
    </message>
    <message numerus="yes">
      <location filename="../widgets/board_style.py" line="60" />
      <source>%n call(s)</source>
      <translation>
        <numerusform>%n chamada</numerusform>
        <numerusform>%n chamadas</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>WallboardController</name>
    <message>
      <location filename="../supervision.py" line="101" />
      <source>Today's history could not be read (%1); the board counts calls seen live.</source>
      <translation>O histórico de hoje não pôde ser lido (%1); o painel conta as chamadas vistas ao vivo.</translation>
    </message>
    <message>
      <location filename="../supervision.py" line="112" />
      <source>Connection to the PBX lost (%1). Reconnecting automatically; the board resynchronises when it is back.</source>
      <translation>Conexão com a central telefônica perdida (%1). Reconectando automaticamente; o painel se ressincroniza quando ela voltar.</translation>
    </message>
    <message>
      <location filename="../supervision.py" line="116" />
      <source>Reconnect now</source>
      <translation>Reconectar agora</translation>
    </message>
  </context>
  <context>
    <name>WallboardView</name>
    <message>
      <location filename="../views/wallboard.py" line="39" />
      <location filename="../views/wallboard.py" line="47" />
      <source>All queues</source>
      <translation>Todas as filas</translation>
    </message>
    <message>
      <location filename="../views/wallboard.py" line="61" />
      <source>Queue:</source>
      <translation>Fila:</translation>
    </message>
    <message>
      <location filename="../views/wallboard.py" line="75" />
      <source>Pause (Ctrl+P)</source>
      <translation>Pausar (Ctrl+P)</translation>
    </message>
    <message>
      <location filename="../views/wallboard.py" line="77" />
      <source>Resume (Ctrl+R)</source>
      <translation>Retomar (Ctrl+R)</translation>
    </message>
    <message>
      <location filename="../views/wallboard.py" line="81" />
      <source>Log out of queue (Ctrl+L)</source>
      <translation>Tirar da fila (Ctrl+L)</translation>
    </message>
    <message>
      <location filename="../views/wallboard.py" line="164" />
      <source>Select an agent:</source>
      <translation>Selecione um atendente:</translation>
    </message>
    <message>
      <location filename="../views/wallboard.py" line="181" />
      <source>Choose or type the reason for the pause.</source>
      <translation>Escolha ou digite o motivo da pausa.</translation>
    </message>
    <message>
      <location filename="../views/wallboard.py" line="209" />
      <source>Done.</source>
      <translation>Feito.</translation>
    </message>
    <message>
      <location filename="../views/wallboard.py" line="209" />
      <source>The PBX refused: %1</source>
      <translation>A central recusou: %1</translation>
    </message>
  </context>
  <context>
    <name>WrapupPanel</name>
    <message>
      <location filename="../views/wrapup_panel.py" line="40" />
      <source>Finish wrap-up (Ctrl+F)</source>
      <translation>Concluir atendimento (Ctrl+F)</translation>
    </message>
    <message>
      <location filename="../views/wrapup_panel.py" line="46" />
      <source>Wrap-up code (required):</source>
      <translation>Tabulação (obrigatória):</translation>
    </message>
    <message>
      <location filename="../views/wrapup_panel.py" line="58" />
      <source>Call ended: choose the wrap-up code. No new call reaches you until you finish.</source>
      <translation>Chamada encerrada: escolha a tabulação. Nenhuma nova chamada chega até você concluir.</translation>
    </message>
    <message>
      <location filename="../views/wrapup_panel.py" line="61" />
      <source>No call to wrap up.</source>
      <translation>Nenhum atendimento a tabular.</translation>
    </message>
    <message>
      <location filename="../views/wrapup_panel.py" line="71" />
      <source>none</source>
      <translation>nenhum</translation>
    </message>
    <message>
      <location filename="../views/wrapup_panel.py" line="72" />
      <source>Requests registered in this call:</source>
      <translation>Protocolos registrados nesta chamada:</translation>
    </message>
    <message>
      <location filename="../views/wrapup_panel.py" line="88" />
      <source>Choose a wrap-up code first.</source>
      <translation>Escolha primeiro um código de encerramento (tabulação).</translation>
    </message>
    <message>
      <location filename="../views/wrapup_panel.py" line="90" />
      <source>Saving...</source>
      <translation>Salvando...</translation>
    </message>
  </context>
  <context>
    <name>Models</name>
    <message>
      <source>Protocol</source>
      <translation>Protocolo</translation>
    </message>
    <message>
      <source>Channel</source>
      <translation>Canal</translation>
    </message>
    <message>
      <source>Telephone</source>
      <translation>Telefone</translation>
    </message>
    <message>
      <source>Web</source>
      <translation>Web</translation>
    </message>
    <message>
      <source>App</source>
      <translation>Aplicativo</translation>
    </message>
    <message>
      <source>WhatsApp</source>
      <translation>WhatsApp</translation>
    </message>
    <message>
      <source>E-mail</source>
      <translation>E-mail</translation>
    </message>
    <message>
      <source>In person</source>
      <translation>Presencial</translation>
    </message>
    <message>
      <source>Service</source>
      <translation>Serviço</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>Situação</translation>
    </message>
    <message>
      <source>Opened</source>
      <translation>Aberto em</translation>
    </message>
    <message>
      <source>Deadline</source>
      <translation>Prazo</translation>
    </message>
    <message>
      <source>Late</source>
      <translation>Atraso</translation>
    </message>
    <message>
      <source>When</source>
      <translation>Quando</translation>
    </message>
    <message>
      <source>Queue</source>
      <translation>Fila</translation>
    </message>
    <message>
      <source>Wrap-up</source>
      <translation>Pós-atendimento</translation>
    </message>
    <message>
      <source>Outcome</source>
      <translation>Resultado</translation>
    </message>
    <message>
      <source>Survey</source>
      <translation>Pesquisa</translation>
    </message>
    <message>
      <source>Citizen</source>
      <translation>Cidadão</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>Endereço</translation>
    </message>
    <message>
      <source>Secretariat</source>
      <translation>Secretaria</translation>
    </message>
    <message>
      <source>Group</source>
      <translation>Grupo</translation>
    </message>
    <message>
      <source>LATE</source>
      <translation>EM ATRASO</translation>
    </message>
    <message>
      <source>Reopenings</source>
      <translation>Reaberturas</translation>
    </message>
    <message>
      <source>Neighbourhood</source>
      <translation>Bairro</translation>
    </message>
    <message>
      <source>By</source>
      <translation>Por</translation>
    </message>
    <message>
      <source>Note</source>
      <translation>Nota</translation>
    </message>
  </context>
</TS>